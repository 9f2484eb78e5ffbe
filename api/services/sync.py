"""Offline sync: pull the changes of the caller's space since a cursor; push a batch of
offline writes, each applied once and in order.

A pull reads its page and the head that bounds it in one snapshot (REPEATABLE READ on
PostgreSQL, a WAL read transaction on SQLite), so it can never pass over a change that
commits later with a smaller seq: seqs are handed out under the space's row lock, in
commit order (api/services/changes.py). Each row is shown once, at its latest change, and
rendered for the caller by the reveal rule.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.models import Answer, Assignment, CheckIn, Comment, Couple, Reaction, Tombstone, User
from api.schemas.pagination import decode_cursor, encode_cursor
from api.services import changes, reveal

SYNCED_ROWS: tuple[type[Assignment | Answer | Comment | Reaction | CheckIn], ...] = (
    Assignment,
    Answer,
    Comment,
    Reaction,
    CheckIn,
)


@dataclass(frozen=True)
class Change:
    seq: int
    entity: str
    op: str
    id: str
    data: dict[str, Any] | None


@dataclass(frozen=True)
class Pulled:
    changes: list[Change]
    cursor: str
    has_more: bool
    reset: bool


# Built once, with the values as bound parameters: a pull runs up to eight of them, and
# building a statement (its cache key included) costs SQLAlchemy more than running it.
_HEADS = {
    "c": select(Couple.head_seq).where(Couple.id == bindparam("owner")),
    "u": select(User.head_seq).where(User.id == bindparam("owner")),
}


def _changed_since(table: Any) -> SelectOfScalar[Any]:
    """The rows of one synced table in one space, changed in (after, head], oldest first."""
    in_space = (
        col(Couple.id) == bindparam("owner")
        if table is Couple
        else col(table.space) == bindparam("space")
    )
    return (
        select(table)
        .where(
            in_space,
            col(table.change_seq) > bindparam("after"),
            col(table.change_seq) <= bindparam("head"),
        )
        .order_by(col(table.change_seq))
        .limit(bindparam("limit"))
    )


_CHANGED = {table: _changed_since(table) for table in (*SYNCED_ROWS, Tombstone, Couple)}


def head_of(db: Session, space: str) -> int:
    kind, owner = space.split(":", 1)
    head = db.exec(_HEADS[kind], params={"owner": owner}).one()
    return int(head)


def read_cursor(cursor: str | None, space: str, head: int) -> tuple[int, bool]:
    """(the seq to pull after, whether the client must drop its copy and start over)."""
    if cursor is None:
        return 0, False
    cursor_space, seq = decode_cursor(cursor, (str, int))
    if cursor_space != space or not 0 <= seq <= head:
        return 0, True  # unlinked, relinked, another couple's cursor, or ahead of the server
    return seq, False


def pull(db: Session, user: User, cursor: str | None, limit: int) -> Pulled:
    space = changes.space_of(user)
    head = head_of(db, space)
    after, reset = read_cursor(cursor, space, head)
    found: list[tuple[int, Any]] = []
    # Nothing can have changed after the head: a client that is up to date costs one query.
    for table in (*SYNCED_ROWS, Tombstone, Couple) if after < head else ():
        found += [(row.change_seq, row) for row in _changed(db, table, space, after, head, limit)]
    found.sort(key=lambda pair: pair[0])
    page = found[:limit]
    has_more = len(found) > limit
    rendered = _render(db, user, [row for _, row in page])
    last = page[-1][0] if has_more else head
    return Pulled(rendered, encode_cursor([space, last]), has_more, reset)


def _changed(
    db: Session, table: Any, space: str, after: int, head: int, limit: int
) -> Sequence[Any]:
    if table is Couple and not space.startswith("c:"):
        return []
    params = {"space": space, "owner": space[2:], "after": after, "head": head, "limit": limit + 1}
    return db.exec(_CHANGED[table], params=params).all()


def _render(db: Session, viewer: User, rows: list[Any]) -> list[Change]:
    """Each row as the viewer may see it; answers through the reveal rule."""
    assignment_ids = {row.assignment_id for row in rows if isinstance(row, Answer)}
    assignments = (
        {a.id: a for a in db.exec(select(Assignment).where(col(Assignment.id).in_(assignment_ids)))}
        if assignment_ids
        else {}
    )
    rendered = []
    for row in rows:
        if isinstance(row, Tombstone):
            rendered.append(Change(row.change_seq, row.entity, "delete", row.entity_id, None))
            continue
        entity, entity_id = changes.entity_of(row)
        data = render_row(db, viewer, row, assignments)
        rendered.append(Change(row.change_seq, entity, "upsert", entity_id, data))
    return rendered


def render_row(
    db: Session, viewer: User, row: Any, assignments: dict[str, Assignment]
) -> dict[str, Any]:
    if isinstance(row, Answer):
        assignment = assignments[row.assignment_id]
        if row.user_id != viewer.id and assignment.revealed_at is None:
            # The partner answered: that much the viewer may know, nothing more.
            return {"assignment_id": row.assignment_id, "author_id": row.user_id, "answered": True}
        shown = reveal.render_answer(row, None).model_dump(mode="json")
        return shown | {"assignment_id": row.assignment_id}
    if isinstance(row, Assignment):
        return {
            "kind": row.kind,
            "exercise_id": row.exercise_id,
            "exercise_version": row.exercise_version,
            "local_date": row.local_date.isoformat(),
            "created_at": _iso(row.created_at),
            "revealed": row.revealed_at is not None,
        }
    if isinstance(row, Comment):
        return {
            "assignment_id": row.assignment_id,
            "author_id": row.user_id,
            "body": row.body,
            "created_at": _iso(row.created_at),
        }
    if isinstance(row, Reaction):
        return {"answer_id": row.answer_id, "user_id": row.user_id, "emoji": row.emoji}
    if isinstance(row, CheckIn):
        return {
            "user_id": row.user_id,
            "local_date": row.local_date.isoformat(),
            "mood": row.mood,
            "note": row.note,
            "updated_at": _iso(row.updated_at),
        }
    assert isinstance(row, Couple)
    return {
        "linked_at": _iso(row.linked_at),
        "timezone": row.timezone,
        "day_starts_at": row.day_starts_at,
        "focus_themes": row.focus_themes,
        "journey_slug": row.journey_slug,
    }


def _iso(moment: Any) -> str:
    return str(moment.isoformat().replace("+00:00", "Z"))
