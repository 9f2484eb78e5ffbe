"""Offline sync: pull the changes of the caller's space since a cursor; push a batch of
offline writes, each applied once and in order.

A pull reads its page and the head that bounds it in one snapshot (REPEATABLE READ on
PostgreSQL, a WAL read transaction on SQLite), so it can never pass over a change that
commits later with a smaller seq: seqs are handed out under the space's row lock, in
commit order (api/kernel/changes.py). Each row is shown once, at its latest change, and
rendered for the caller by the reveal rule.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.kernel import changes
from api.models import (
    Answer,
    Appreciation,
    Assignment,
    CheckIn,
    Comment,
    Couple,
    Pause,
    Pulse,
    Reaction,
    Tombstone,
    User,
)
from api.schemas.answer import AnswerOut
from api.schemas.assignment import CheckInOut, ReactionOut
from api.schemas.pagination import decode_cursor, encode_cursor
from api.schemas.ritual import PauseOut
from api.security.session_cache import Heads
from api.services.assignments import comments, reveal
from api.services.rituals import appreciations, pulses

SyncedRow = Assignment | Answer | Comment | Reaction | CheckIn | Appreciation | Pause | Pulse
SYNCED_ROWS: tuple[type[SyncedRow], ...] = (
    Assignment,
    Answer,
    Comment,
    Reaction,
    CheckIn,
    Appreciation,
    Pause,
    Pulse,
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


def already_current(user: User, heads: Heads, cursor: str | None) -> Pulled | None:
    """The pull of a client already at the head, answered without the database: `heads` were
    read with this request's session check. Any other cursor (behind, ahead, another space's)
    goes to `pull`, which reads the head again: a write committed on another process since is
    found there, and a cursor ahead of what this request saw is never taken for a reset."""
    if cursor is None:
        return None
    space = changes.space_of(user)
    head = heads.couple if user.couple_id is not None else heads.solo
    if head is None or read_cursor(cursor, space, head) != (head, False):
        return None
    return Pulled([], encode_cursor([space, head]), has_more=False, reset=False)


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
    """Each row as the viewer may see it: answers and the reactions to them through the
    reveal rule, exactly as REST shows them; a reaction to a masked answer is left out (the
    reveal stamps it again, so it comes with the answer), and so is the partner's pulse,
    which is theirs alone."""
    shown = _visible_answers(db, viewer, rows)
    thanks = {
        a.id: a.model_dump(mode="json")
        for a in appreciations.render(db, [r for r in rows if isinstance(r, Appreciation)])
    }
    rendered = []
    for row in rows:
        if isinstance(row, Tombstone):
            rendered.append(Change(row.change_seq, row.entity, "delete", row.entity_id, None))
            continue
        if isinstance(row, Reaction) and row.answer_id not in shown:
            continue
        if isinstance(row, Pulse) and row.user_id != viewer.id:
            continue
        entity, entity_id = changes.entity_of(row)
        data = thanks[row.id] if isinstance(row, Appreciation) else _render_row(row, shown)
        rendered.append(Change(row.change_seq, entity, "upsert", entity_id, data))
    return rendered


def _visible_answers(db: Session, viewer: User, rows: list[Any]) -> dict[str, AnswerOut]:
    """Every answer the viewer may see on the assignments that the page's answers and
    reactions belong to, rendered by the reveal rule (guesses scored), in two queries."""
    answer_ids = [row.id for row in rows if isinstance(row, Answer)]
    answer_ids += [row.answer_id for row in rows if isinstance(row, Reaction)]
    if not answer_ids:
        return {}
    siblings = db.exec(_SIBLINGS, params={"answer_ids": answer_ids}).all()
    assignment_ids = list({answer.assignment_id for answer in siblings})
    shown: dict[str, AnswerOut] = {}
    for assignment in db.exec(_ASSIGNMENTS, params={"ids": assignment_ids}):
        answers = [answer for answer in siblings if answer.assignment_id == assignment.id]
        shown |= reveal.visible_answers(viewer.id, assignment, answers)
    return shown


_OF_ANSWERS = select(Answer.assignment_id).where(
    col(Answer.id).in_(bindparam("answer_ids", expanding=True))
)
_SIBLINGS = select(Answer).where(col(Answer.assignment_id).in_(_OF_ANSWERS.scalar_subquery()))
_ASSIGNMENTS = select(Assignment).where(col(Assignment.id).in_(bindparam("ids", expanding=True)))


def _render_row(row: Any, shown: dict[str, AnswerOut]) -> dict[str, Any]:
    if isinstance(row, Answer):
        if row.id not in shown:
            # The partner answered: that much the viewer may know, nothing more.
            return {"assignment_id": row.assignment_id, "author_id": row.user_id, "answered": True}
        return shown[row.id].model_dump(mode="json") | {"assignment_id": row.assignment_id}
    if isinstance(row, Assignment):
        return {
            "kind": row.kind,
            "exercise_id": row.exercise_id,
            "exercise_version": row.exercise_version,
            "local_date": row.local_date.isoformat(),
            "created_at": _iso(row.created_at),
            "revealed": row.revealed_at is not None,
        }
    # Comments, reactions, check-ins, pauses and pulses: the same bodies REST answers with.
    if isinstance(row, Pause):
        return PauseOut.model_validate(row).model_dump(mode="json")
    if isinstance(row, Pulse):
        return pulses.pulse_out(row).model_dump(mode="json")
    if isinstance(row, Comment):
        return comments.comment_out(row).model_dump(mode="json")
    if isinstance(row, Reaction):
        return ReactionOut.model_validate(row).model_dump(mode="json")
    if isinstance(row, CheckIn):
        return CheckInOut.model_validate(row).model_dump(mode="json")
    assert isinstance(row, Couple)
    return {
        "linked_at": _iso(row.linked_at),
        "timezone": row.timezone,
        "day_starts_at": row.day_starts_at,
        "focus_themes": row.focus_themes,
        "journey_slug": row.journey_slug,
        "paused_until": row.paused_until.isoformat() if row.paused_until else None,
    }


def _iso(moment: Any) -> str:
    return str(moment.isoformat().replace("+00:00", "Z"))
