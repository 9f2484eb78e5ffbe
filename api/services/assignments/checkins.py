"""Check-ins: how connected a person feels, one per local day (a second one replaces it)."""

from datetime import date, datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from api.kernel import changes
from api.kernel.errors import Conflict
from api.models import CheckIn, User
from api.models.base import new_id
from api.services.assignments.delivery import Owner


def put_checkin(
    db: Session,
    owner: Owner,
    *,
    checkin_id: str | None,
    mood: int,
    note: str | None,
    now: datetime,
) -> tuple[CheckIn, bool]:
    """Record today's check-in, replacing today's earlier one: (it, whether it is new)."""
    user, day = owner.user, owner.day(now)
    changes.lock(db, owner.space)  # two devices checking in at once: one row, not a clash
    existing = db.exec(
        select(CheckIn).where(CheckIn.user_id == user.id, CheckIn.local_date == day)
    ).first()
    if existing is None:
        if checkin_id is not None and db.get(CheckIn, checkin_id) is not None:
            raise Conflict("A check-in with this id already exists.")
        existing = CheckIn(
            id=checkin_id or new_id(),
            user_id=user.id,
            local_date=day,
            mood=mood,
            created_at=now,
            updated_at=now,
        )
        created = True
    else:
        created = False
    existing.couple_id = owner.couple.id if owner.couple else None
    existing.mood, existing.note, existing.updated_at = mood, note, now
    changes.stamp(db, owner.space, existing)
    db.flush()
    return existing, created


def checkins_between(db: Session, user: User, first: date, last: date) -> list[CheckIn]:
    """The caller's check-ins, and the partner's made while in the caller's current couple."""
    whose = col(CheckIn.user_id) == user.id
    if user.couple_id is not None:
        whose = or_(whose, col(CheckIn.couple_id) == user.couple_id)
    return list(
        db.exec(
            select(CheckIn)
            .where(whose, col(CheckIn.local_date) >= first, col(CheckIn.local_date) <= last)
            .order_by(col(CheckIn.local_date), col(CheckIn.user_id))
        )
    )


def checkins_of(db: Session, user: User) -> list[CheckIn]:
    return list(
        db.exec(select(CheckIn).where(CheckIn.user_id == user.id).order_by(col(CheckIn.local_date)))
    )
