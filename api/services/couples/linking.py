"""Linking two people into a couple: invites, joining, the couple's settings, unlinking.

Joins lock both people's rows, in id order, before checking that neither is linked: two
people joining each other's codes at once, or two people joining one code, end in exactly
one couple (on SQLite every write transaction is serialized anyway).
"""

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.kernel import changes
from api.kernel.errors import Conflict, Gone, NotFound, Unprocessable
from api.models import Couple, CoupleMember, Invite, User
from api.security.session_cache import forget_on_commit
from api.services.notifications import notices

# No 0/O, 1/I/L: a person reads the code aloud and types it without doubt.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def normalize_code(typed: str) -> str:
    return "".join(ch for ch in typed.upper() if ch not in " -")


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def create_invite(db: Session, user: User, *, now: datetime, ttl: timedelta) -> Invite:
    if user.couple_id is not None:
        raise Conflict("You are already linked; unlink before inviting someone new.")
    db.execute(delete(Invite).where(col(Invite.inviter_id) == user.id))
    invite = Invite(inviter_id=user.id, code=_new_code(), created_at=now, expires_at=now + ttl)
    db.add(invite)
    try:
        db.flush()
    except IntegrityError as exc:  # the same user inviting twice at the same instant
        raise Conflict("Another invite was just made; fetch it with GET.") from exc
    return invite


def live_invite(db: Session, user: User, now: datetime) -> Invite:
    invite = db.exec(select(Invite).where(Invite.inviter_id == user.id)).first()
    if invite is None or invite.expires_at <= now:
        raise NotFound("You have no live invite.")
    return invite


def revoke_invite(db: Session, user: User) -> None:
    db.execute(delete(Invite).where(col(Invite.inviter_id) == user.id))


def _lock_people(db: Session, *user_ids: str) -> dict[str, User]:
    people = db.exec(
        select(User)
        .where(col(User.id).in_(user_ids))
        .order_by(col(User.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {person.id: person for person in people}


def join(db: Session, joiner: User, typed_code: str, now: datetime) -> Couple:
    invite = db.exec(select(Invite).where(Invite.code == normalize_code(typed_code))).first()
    if invite is None:
        # A join that just linked this person also spent their invites: say what happened.
        if db.exec(select(User.couple_id).where(User.id == joiner.id)).first():
            raise Conflict("You are already linked with someone.")
        raise NotFound("No invite has this code. Check it with your partner.")
    if invite.inviter_id == joiner.id:
        raise Unprocessable(
            "This is your own invite: send it to your partner.", loc=["body", "code"]
        )
    if invite.expires_at <= now:
        raise Gone("This invite has expired; ask your partner for a new one.")
    people = _lock_people(db, joiner.id, invite.inviter_id)
    inviter, joiner = people[invite.inviter_id], people[joiner.id]
    if inviter.couple_id is not None or joiner.couple_id is not None:
        raise Conflict("One of you is already linked with someone.")
    couple = Couple(linked_at=now, timezone=inviter.timezone)
    db.add(couple)
    db.flush()
    changes.stamp(db, changes.couple_space(couple.id), couple)
    for person in (inviter, joiner):
        person.couple_id = couple.id
        db.add(person)
        db.add(CoupleMember(couple_id=couple.id, user_id=person.id))
    db.execute(delete(Invite).where(col(Invite.inviter_id).in_([inviter.id, joiner.id])))
    return couple


def current_couple(db: Session, user: User) -> Couple:
    couple = db.get(Couple, user.couple_id) if user.couple_id else None
    if couple is None:
        raise NotFound("You are not linked with a partner yet.")
    return couple


def partner_of(db: Session, couple: Couple, user: User) -> User:
    return db.exec(select(User).where(User.couple_id == couple.id, User.id != user.id)).one()


def update_couple(db: Session, couple: Couple, values: dict[str, Any]) -> Couple:
    for field, value in values.items():
        setattr(couple, field, value)
    changes.stamp(db, changes.couple_space(couple.id), couple)
    return couple


def unlink(db: Session, user: User, now: datetime) -> None:
    """End the user's couple: neither partner sees the other's anything from now on."""
    couple = current_couple(db, user)
    changes.lock(db, changes.couple_space(couple.id))  # the couple first, as every write
    partner = partner_of(db, couple, user)
    notices.enqueue_partner_unlinked(db, couple, partner, user, now)
    db.execute(update(User).where(col(User.couple_id) == couple.id).values(couple_id=None))
    forget_on_commit(db, [user.id, partner.id])
    couple.ended_at = now
    couple.journey_slug = None
    db.add(couple)
    user.couple_id = None


def couples_of(db: Session, user: User) -> list[Couple]:
    """Every couple the user has been in, newest first (for export)."""
    return list(
        db.exec(
            select(Couple)
            .join(CoupleMember, col(CoupleMember.couple_id) == Couple.id)
            .where(CoupleMember.user_id == user.id)
            .order_by(col(Couple.linked_at).desc())
        ).all()
    )
