"""Applying a batch of offline writes: each mutation once, in order, in its own transaction.

A mutation's first result is stored with it under (user, mutation id) for good, in the same
transaction as its effect, so a replay weeks later returns that result and changes nothing.
A mutation that can never apply is stored as rejected and does not hold up the others.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.content.catalog import Catalog
from api.kernel import changes
from api.kernel.db import Database
from api.kernel.errors import AppError, Forbidden, NotFound, field_errors
from api.models import Answer, AnswerRevision, User
from api.schemas.answer import AnswerIn, ClientId
from api.schemas.assignment import CheckInNote, CommentBody, Emoji, Mood
from api.services import remembered
from api.services.assignments import answering, checkins, comments, delivery, reactions
from api.services.assignments.reveal import visible_answers
from api.services.remembered import KeyKind


class _Mutation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: ClientId


class AnswerPut(_Mutation):
    type: Literal["answer.put"]
    assignment_id: str = Field(max_length=64)
    answer: AnswerIn
    base_version: int | None = Field(default=None, ge=1)


class AnswerDelete(_Mutation):
    type: Literal["answer.delete"]
    assignment_id: str = Field(max_length=64)


class CommentAdd(_Mutation):
    type: Literal["comment.add"]
    assignment_id: str = Field(max_length=64)
    comment_id: ClientId
    body: CommentBody


class ReactionSet(_Mutation):
    type: Literal["reaction.set"]
    answer_id: str = Field(max_length=64)
    emoji: Emoji


class ReactionClear(_Mutation):
    type: Literal["reaction.clear"]
    answer_id: str = Field(max_length=64)


class CheckInPut(_Mutation):
    type: Literal["checkin.put"]
    checkin_id: ClientId
    mood: Mood
    note: CheckInNote | None = None


Mutation = Annotated[
    AnswerPut | AnswerDelete | CommentAdd | ReactionSet | ReactionClear | CheckInPut,
    Field(discriminator="type"),
]
MUTATION: TypeAdapter[Mutation] = TypeAdapter(Mutation)


class Outcome(BaseModel):
    status: Literal["applied", "conflict", "rejected"]
    reason: str | None = None
    answer: dict[str, Any] | None = None
    overwritten: dict[str, Any] | None = None


def apply_batch(
    database: Database,
    catalog: Catalog,
    user: User,
    raw: list[dict[str, Any]],
    now: datetime,
    *,
    may_check_in: bool,
) -> list[dict[str, Any]]:
    return [apply_one(database, catalog, user, item, now, may_check_in) for item in raw]


def apply_one(
    database: Database,
    catalog: Catalog,
    user: User,
    item: dict[str, Any],
    now: datetime,
    may_check_in: bool,
) -> dict[str, Any]:
    mutation_id = str(item.get("id", ""))[:64]
    # One transaction per mutation, committed here: a rejected one rolls back alone.
    with database.session(write=True) as db:
        # The couple's lock first, as every write takes it (api.services.assignments), and the
        # check for a first result under it: a push of the same mutation from another phone
        # waits here for that one to commit, then finds its result.
        changes.lock(db, changes.space_of(user))
        first = _first_result(db, user.id, mutation_id)
        if first is not None:
            return first | {"id": mutation_id, "status": "duplicate"}
        try:
            mutation = MUTATION.validate_python(item)
            if isinstance(mutation, CheckInPut) and not may_check_in:
                raise Forbidden("This needs the scope checkins:write.")
            outcome = _apply(db, catalog, db.get_one(User, user.id), mutation, now)
        except ValidationError as exc:
            db.rollback()
            reason = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in field_errors(exc.errors())
            )
            outcome = Outcome(status="rejected", reason=reason)
        except AppError as exc:
            db.rollback()
            outcome = Outcome(status="rejected", reason=exc.detail)
        result = outcome.model_dump(mode="json", exclude_none=True)
        if not mutation_id:
            return result | {"id": mutation_id, "status": "rejected", "reason": "id: required"}
        try:
            remembered.remember(
                db,
                user.id,
                KeyKind.mutation,
                mutation_id,
                fingerprint="",
                status_code=200,
                body=result,
                now=now,
            )
            db.commit()
        except (remembered.KeyTaken, IntegrityError):  # the same mutation twice at once
            db.rollback()
            return (_first_result(db, user.id, mutation_id) or result) | {
                "id": mutation_id,
                "status": "duplicate",
            }
    return result | {"id": mutation_id}


def _first_result(db: Session, user_id: str, mutation_id: str) -> dict[str, Any] | None:
    first = remembered.recall(db, user_id, KeyKind.mutation, mutation_id)
    if first is None:
        return None
    return dict(first.body) | {"first_status": first.body["status"]}


def _apply(db: Session, catalog: Catalog, user: User, mutation: Any, now: datetime) -> Outcome:
    if isinstance(mutation, AnswerPut):
        return _put_answer(db, catalog, user, mutation, now)
    if isinstance(mutation, AnswerDelete):
        assignment = answering.assignment_for(db, user, mutation.assignment_id)
        try:
            answering.withdraw_answer(db, user, assignment)
        except NotFound:
            pass  # deleting what is already gone changes nothing, and is no error
    elif isinstance(mutation, CommentAdd):
        assignment = answering.assignment_for(db, user, mutation.assignment_id)
        comments.add_comment(db, user, assignment, mutation.comment_id, mutation.body, now)
    elif isinstance(mutation, ReactionSet):
        answer = answering.visible_answer(db, user, mutation.answer_id)
        reactions.set_reaction(db, user, answer, mutation.emoji, now)
    elif isinstance(mutation, ReactionClear):
        answer = answering.visible_answer(db, user, mutation.answer_id)
        reactions.clear_reaction(db, user, answer)
    else:
        owner = delivery.owner_of(db, user)
        checkins.put_checkin(
            db,
            owner,
            checkin_id=mutation.checkin_id,
            mood=mutation.mood,
            note=mutation.note,
            now=now,
        )
    return Outcome(status="applied")


def _put_answer(
    db: Session, catalog: Catalog, user: User, mutation: AnswerPut, now: datetime
) -> Outcome:
    """Last write wins between one person's devices; a stale one is reported, and the text
    it overwrote is kept in the answer's revisions. A stale edit loses to a delete."""
    assignment = answering.assignment_for(db, user, mutation.assignment_id)
    changes.lock_couple(db, assignment)
    mine = db.exec(
        select(Answer).where(Answer.assignment_id == assignment.id, Answer.user_id == user.id)
    ).first()
    if mutation.base_version is not None and mine is None:
        return Outcome(status="conflict", reason="The answer was deleted on another device.")
    stale = mine is not None and mutation.base_version not in (None, mine.version)
    overwritten = None
    if stale and mine is not None:
        overwritten = dict(mine.content)
        db.add(
            AnswerRevision(
                answer_id=mine.id, version=mine.version, content=mine.content, replaced_at=now
            )
        )
    answer, _, answers = answering.put_answer(
        db, catalog, user, assignment, mutation.answer, if_match=None, now=now
    )
    shown = visible_answers(user.id, assignment, answers)[answer.id].model_dump(mode="json")
    if stale:
        return Outcome(
            status="conflict",
            reason="Edited on another device since; this edit was applied over it.",
            answer=shown,
            overwritten=overwritten,
        )
    return Outcome(status="applied", answer=shown)
