"""Reactions to answers (SPEC §5): one emoji per person per answer."""

from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from api.kernel import changes
from api.models import Answer, Reaction, User

_REACTIONS_TO = select(Reaction).where(
    col(Reaction.answer_id).in_(bindparam("answer_ids", expanding=True))
)


def set_reaction(db: Session, user: User, answer: Answer, emoji: str, now: datetime) -> Reaction:
    changes.lock_couple(db, answer)
    reaction = db.get(Reaction, (answer.id, user.id))
    if reaction is None:
        reaction = Reaction(answer_id=answer.id, user_id=user.id, emoji=emoji, created_at=now)
    reaction.emoji, reaction.created_at = emoji, now
    changes.stamp(db, answer.space, reaction)
    db.flush()
    return reaction


def clear_reaction(db: Session, user: User, answer: Answer) -> None:
    changes.lock_couple(db, answer)
    reaction = db.get(Reaction, (answer.id, user.id))
    if reaction is not None:
        changes.bury(db, answer.space, reaction)
        db.delete(reaction)


def reactions_of(db: Session, answer_ids: list[str]) -> list[Reaction]:
    if not answer_ids:
        return []
    return list(db.exec(_REACTIONS_TO, params={"answer_ids": answer_ids}))


def authored_reactions(db: Session, user: User) -> list[Reaction]:
    return list(
        db.exec(
            select(Reaction).where(Reaction.user_id == user.id).order_by(col(Reaction.created_at))
        )
    )
