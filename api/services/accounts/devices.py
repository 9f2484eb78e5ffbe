"""Push registrations: which app installations a user's notifications go to.

A device id belongs to the user who registered it first; another user gets 404 for it, as
for any object that is not theirs. A push token belongs to one device at a time: when it
shows up on another device (a reinstall, a phone handed on to someone else), it moves there.
"""

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from api.kernel.db import dialect_insert
from api.kernel.errors import NotFound
from api.models import Device, User


def register_device(
    db: Session,
    user: User,
    device_id: str,
    *,
    platform: str,
    token: str,
    app_version: str | None,
    now: datetime,
) -> Device:
    """Create or refresh the device in one statement; an app re-sends this at every start."""
    db.execute(
        update(Device)
        .where(col(Device.token) == token, col(Device.id) != device_id)
        .values(token=None, updated_at=now)
    )
    changes = {"platform": platform, "token": token, "app_version": app_version, "updated_at": now}
    upsert = (
        dialect_insert(db, Device)
        .values(id=device_id, user_id=user.id, created_at=now, **changes)
        # Only the owner's row is updated; for anyone else nothing comes back: 404 (and the
        # request's rollback gives the token back to whoever had it).
        .on_conflict_do_update(
            index_elements=["id"], set_=changes, where=col(Device.user_id) == user.id
        )
        .returning(Device)
    )
    device = db.scalars(upsert, execution_options={"populate_existing": True}).first()
    if device is None:
        raise NotFound("No such device.")
    return device


def unregister_device(db: Session, user: User, device_id: str) -> None:
    gone = db.execute(
        delete(Device).where(col(Device.id) == device_id, col(Device.user_id) == user.id)
    )
    if gone.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("No such device.")


def push_targets(db: Session, user_ids: set[str]) -> dict[str, list[Device]]:
    """The devices that can receive a push, per user, for a batch of recipients at once."""
    found: dict[str, list[Device]] = {user_id: [] for user_id in user_ids}
    if user_ids:
        devices = db.exec(
            select(Device)
            .where(col(Device.user_id).in_(user_ids), col(Device.token).is_not(None))
            .order_by(col(Device.id))
        )
        for device in devices:
            found[device.user_id].append(device)
    return found
