"""Appreciations: short notes of thanks between partners, shown at once (a gift needs no
reveal), with one reaction per person. Each belongs to the couple it was sent in: after an
unlink neither partner finds it through any path."""

from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from api.kernel import changes
from api.kernel.errors import Conflict, NotFound
from api.models import Appreciation, AppreciationReaction, Couple, User
from api.models.base import new_id
from api.schemas.ritual import AppreciationOut, AppreciationReactionOut
from api.services.couples import linking
from api.services.notifications import notices


def send_appreciation(
    db: Session, user: User, appreciation_id: str | None, body: str, now: datetime
) -> Appreciation:
    couple = linking.current_couple(db, user)
    space = changes.couple_space(couple.id)
    changes.lock(db, space)
    if appreciation_id is not None and db.get(Appreciation, appreciation_id) is not None:
        raise Conflict("An appreciation with this id already exists.")
    appreciation = Appreciation(
        id=appreciation_id or new_id(),
        couple_id=couple.id,
        author_id=user.id,
        body=body,
        created_at=now,
    )
    changes.stamp(db, space, appreciation)
    partner = linking.partner_of(db, couple, user)
    notices.enqueue_partner_appreciated(db, appreciation, user, partner, now)
    db.flush()
    return appreciation


def appreciation_for(db: Session, user: User, appreciation_id: str) -> Appreciation:
    """One of the caller's current couple's appreciations; anything else is 404."""
    found = db.get(Appreciation, appreciation_id)
    if found is None or user.couple_id is None or found.couple_id != user.couple_id:
        raise NotFound("No such appreciation.")
    return found


def appreciations_of(
    db: Session, couple: Couple, after: tuple[datetime, str] | None, limit: int
) -> list[Appreciation]:
    """The couple's appreciations, newest first, after a (created_at, id) position."""
    query = select(Appreciation).where(Appreciation.couple_id == couple.id)
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(
                col(Appreciation.created_at) < at,
                (col(Appreciation.created_at) == at) & (col(Appreciation.id) < last_id),
            )
        )
    order = (col(Appreciation.created_at).desc(), col(Appreciation.id).desc())
    return list(db.exec(query.order_by(*order).limit(limit)))


def set_reaction(
    db: Session, user: User, appreciation: Appreciation, emoji: str, now: datetime
) -> AppreciationReaction:
    changes.lock(db, appreciation.space)
    reaction = db.get(AppreciationReaction, (appreciation.id, user.id))
    if reaction is None:
        reaction = AppreciationReaction(
            appreciation_id=appreciation.id, user_id=user.id, emoji=emoji, created_at=now
        )
    reaction.emoji, reaction.created_at = emoji, now
    db.add(reaction)
    # Reactions travel inside their appreciation: sync sends it again.
    changes.stamp(db, appreciation.space, appreciation)
    db.flush()
    return reaction


def clear_reaction(db: Session, user: User, appreciation: Appreciation) -> None:
    changes.lock(db, appreciation.space)
    reaction = db.get(AppreciationReaction, (appreciation.id, user.id))
    if reaction is not None:
        db.delete(reaction)
        changes.stamp(db, appreciation.space, appreciation)
        db.flush()


def reactions_to(db: Session, appreciation_ids: list[str]) -> list[AppreciationReaction]:
    if not appreciation_ids:
        return []
    return list(
        db.exec(
            select(AppreciationReaction)
            .where(col(AppreciationReaction.appreciation_id).in_(appreciation_ids))
            .order_by(col(AppreciationReaction.created_at))
        )
    )


def render(db: Session, found: list[Appreciation]) -> list[AppreciationOut]:
    """Appreciations as REST and sync show them, with their reactions (two queries)."""
    reactions = reactions_to(db, [a.id for a in found])
    return [
        AppreciationOut(
            id=a.id,
            author_id=a.author_id,
            body=a.body,
            created_at=a.created_at,
            reactions=[
                AppreciationReactionOut.model_validate(r)
                for r in reactions
                if r.appreciation_id == a.id
            ],
        )
        for a in found
    ]


def authored_appreciations(db: Session, user: User) -> list[Appreciation]:
    return list(
        db.exec(
            select(Appreciation)
            .where(Appreciation.author_id == user.id)
            .order_by(col(Appreciation.created_at))
        )
    )


def reactions_by(db: Session, user: User) -> list[AppreciationReaction]:
    return list(
        db.exec(
            select(AppreciationReaction)
            .where(AppreciationReaction.user_id == user.id)
            .order_by(col(AppreciationReaction.created_at))
        )
    )
