"""Change streams for sync: every synced row carries the seq of its latest change.

A space is one couple's shared data ("c:<couple id>") or one unlinked user's solo data
("u:<user id>"). Each space has a head counter on its owner's row, bumped by an UPDATE in
the write transaction itself: the row lock it takes is held to commit, so within a space
the order of seqs is the order of commits, and a reader that sees head N has seen every
change up to N. A timestamp or a global sequence would not do this: a smaller number can
commit after a larger one has been read, and that change would be skipped for good.
"""

from sqlalchemy import delete, event, update
from sqlmodel import Session, col, select

from api.models import Answer, Assignment, CheckIn, Comment, Couple, Reaction, Tombstone, User

Synced = Couple | Assignment | Answer | Comment | Reaction | CheckIn
ENTITY_NAMES: dict[type, str] = {
    Couple: "couple",
    Assignment: "assignment",
    Answer: "answer",
    Comment: "comment",
    Reaction: "reaction",
    CheckIn: "checkin",
}

_PENDING = "pending_pokes"


def couple_space(couple_id: str) -> str:
    return f"c:{couple_id}"


def solo_space(user_id: str) -> str:
    return f"u:{user_id}"


def space_of(user: User) -> str:
    return couple_space(user.couple_id) if user.couple_id else solo_space(user.id)


def lock(db: Session, space: str) -> None:
    """Serialize this transaction with every other write to the space, until commit: take it
    before reading what the write depends on (the reveal, one check-in a day...)."""
    kind, owner = space.split(":", 1)
    table = Couple if kind == "c" else User
    db.exec(select(table.id).where(table.id == owner).with_for_update())


def next_seq(db: Session, space: str) -> int:
    """Bump the space's head and return it: the seq of one change in this transaction."""
    kind, owner = space.split(":", 1)
    table = Couple if kind == "c" else User
    head = db.execute(
        update(table)
        .where(col(table.id) == owner)
        .values(head_seq=col(table.head_seq) + 1)
        .returning(col(table.head_seq))
    ).scalar_one()
    _poke_on_commit(db, space, int(head))
    return int(head)


def entity_of(row: Synced) -> tuple[str, str]:
    """(entity name, id) of a synced row, as sync shows them."""
    if isinstance(row, Reaction):
        return "reaction", f"{row.answer_id}:{row.user_id}"
    return ENTITY_NAMES[type(row)], row.id


def stamp(db: Session, space: str, row: Synced) -> None:
    """Record a change to `row` (an upsert) at a new seq of `space`."""
    row.change_seq = next_seq(db, space)
    if not isinstance(row, Couple):
        row.space = space
    db.add(row)
    entity, entity_id = entity_of(row)
    # A row that comes back under the same id is no longer deleted.
    db.execute(
        delete(Tombstone).where(
            col(Tombstone.space) == space,
            col(Tombstone.entity) == entity,
            col(Tombstone.entity_id) == entity_id,
        )
    )


def bury(db: Session, space: str, row: Synced) -> None:
    """Record that `row` is being deleted, at a new seq of `space`."""
    entity, entity_id = entity_of(row)
    db.add(
        Tombstone(space=space, entity=entity, entity_id=entity_id, change_seq=next_seq(db, space))
    )


def _poke_on_commit(db: Session, space: str, head: int) -> None:
    pending: dict[str, int] | None = db.info.get(_PENDING)
    if pending is None:
        pending = db.info[_PENDING] = {}
        event.listen(db, "after_commit", _publish_pending, once=True)
    pending[space] = head


def _publish_pending(db: Session) -> None:
    feed = db.info.get("feed")
    for space, head in db.info.pop(_PENDING, {}).items():
        if feed is not None:
            feed.poke(space, head)
