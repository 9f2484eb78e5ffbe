"""Change streams for sync: every synced row carries the seq of its latest change.

A space is one couple's shared data ("c:<couple id>") or one unlinked user's solo data
("u:<user id>"). Each space has a head counter on its owner's row, bumped by an UPDATE in
the write transaction itself: the row lock it takes is held to commit, so within a space
the order of seqs is the order of commits, and a reader that sees head N has seen every
change up to N. A timestamp or a global sequence would not do this: a smaller number can
commit after a larger one has been read, and that change would be skipped for good.
"""

from sqlalchemy import bindparam, delete, event, inspect, update
from sqlmodel import Session, col, select

from api.kernel.errors import NotFound
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


# Built once, with the values as bound parameters (what building costs: bench/RESULTS.md).
_OWNERS: dict[str, type[Couple] | type[User]] = {"c": Couple, "u": User}
_LOCK = {
    kind: select(table.id).where(table.id == bindparam("owner")).with_for_update()
    for kind, table in _OWNERS.items()
}
# Nothing reads head_seq from a loaded row (sync selects the column), so the session is not
# asked to keep loaded rows in step with the UPDATE.
_ADVANCE = {
    kind: update(table)
    .where(col(table.id) == bindparam("owner"))
    .values(head_seq=col(table.head_seq) + bindparam("count"))
    .returning(col(table.head_seq))
    .execution_options(synchronize_session=False)
    for kind, table in _OWNERS.items()
}
_UNBURY = (
    delete(Tombstone)
    .where(
        col(Tombstone.space) == bindparam("space"),
        col(Tombstone.entity) == bindparam("entity"),
        col(Tombstone.entity_id) == bindparam("entity_id"),
    )
    .execution_options(synchronize_session=False)
)


def lock(db: Session, space: str) -> None:
    """Serialize this transaction with every other write to the space, until commit: take it
    before reading what the write depends on (the reveal, one check-in a day...)."""
    kind, owner = space.split(":", 1)
    db.exec(_LOCK[kind], params={"owner": owner})


def next_seq(db: Session, space: str, count: int = 1) -> int:
    """Bump the space's head by `count` and return it: seqs head-count+1 to head are this
    transaction's."""
    kind, owner = space.split(":", 1)
    head = int(db.execute(_ADVANCE[kind], {"owner": owner, "count": count}).scalar_one())
    _poke_on_commit(db, space, head)
    return head


def entity_of(row: Synced) -> tuple[str, str]:
    """(entity name, id) of a synced row, as sync shows them."""
    if isinstance(row, Reaction):
        return "reaction", f"{row.answer_id}:{row.user_id}"
    return ENTITY_NAMES[type(row)], row.id


def stamp(db: Session, space: str, *rows: Synced) -> None:
    """Record a change to each of `rows` (upserts), at new seqs of `space` in their order."""
    head = next_seq(db, space, len(rows))
    for seq, row in enumerate(rows, start=head - len(rows) + 1):
        row.change_seq = seq
        if not isinstance(row, Couple):
            row.space = space
        # A row that comes back under the same id is no longer deleted. One loaded from the
        # database was never deleted: a row's tombstone is made as it is deleted.
        if not inspect(row).persistent:
            entity, entity_id = entity_of(row)
            db.execute(_UNBURY, {"space": space, "entity": entity, "entity_id": entity_id})
        db.add(row)


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


def lock_couple(db: Session, row: Assignment | Answer) -> None:
    """Serialize this write with every other write to the couple's data, until commit. Every
    write takes this lock before any other (one order, so writes queue instead of
    deadlocking), and decides on what it reads under it: `row` was read before, so it is read
    again here, as a reveal or a withdrawal may have committed while this request waited."""
    lock(db, row.space)
    table = type(row)
    again = select(table).where(table.id == row.id).execution_options(populate_existing=True)
    if db.exec(again).first() is None:
        raise NotFound(f"No such {'answer' if table is Answer else 'assignment'}.")
