"""Assignments a user may see and the answers to them (SPEC §5); comments and reactions
under them are in their own modules.

Every lookup by id goes through `assignment_for`, which only finds assignments of the
caller's current couple or the caller's own solo ones: anything else is 404, whether it
exists or not.
"""

from datetime import date, datetime

from sqlalchemy import ColumnElement, bindparam, or_
from sqlmodel import Session, col, select

from api.content.catalog import Catalog, VersionEntry
from api.kernel import changes
from api.kernel.errors import Conflict, NotFound, PreconditionFailed, Unprocessable
from api.models import Answer, Assignment, User
from api.models.base import new_id
from api.schemas.answer import AnswerIn
from api.schemas.assignment import AssignmentKind
from api.services.assignments import reactions
from api.services.assignments.answer_rules import check_answer
from api.services.assignments.delivery import Owner
from api.services.assignments.reveal import reveal_if_complete
from api.services.notifications import notices


def _visible(viewer_id: object, couple_id: object) -> ColumnElement[bool]:
    """The assignments the viewer may see: their current couple's (when `couple_id` is not
    None), and their own solo ones. Takes values or bound parameters alike."""
    mine = col(Assignment.solo_user_id) == viewer_id
    if couple_id is None:
        return mine
    return or_(col(Assignment.couple_id) == couple_id, mine)


def visible_condition(user: User) -> ColumnElement[bool]:
    return _visible(user.id, user.couple_id)


# Built once, with the values as bound parameters: these run on every request that reads or
# answers an assignment, and building a statement (its cache key included) costs SQLAlchemy
# more than running it (bench/RESULTS.md).
_ASSIGNMENT_OF = {
    linked: select(Assignment).where(
        Assignment.id == bindparam("assignment_id"),
        _visible(bindparam("viewer_id"), bindparam("viewer_couple_id") if linked else None),
    )
    for linked in (True, False)
}


def assignment_for(db: Session, user: User, assignment_id: str) -> Assignment:
    params = {
        "assignment_id": assignment_id,
        "viewer_id": user.id,
        "viewer_couple_id": user.couple_id,
    }
    found = db.exec(_ASSIGNMENT_OF[user.couple_id is not None], params=params).first()
    if found is None:
        raise NotFound("No such assignment.")
    return found


def delivered(catalog: Catalog, assignment: Assignment) -> VersionEntry:
    version = catalog.version(assignment.exercise_id, assignment.exercise_version)
    if version is None:
        raise NotFound("The exercise of this assignment is not available.")
    return version


def add_extra(
    db: Session, catalog: Catalog, owner: Owner, exercise_id: str, now: datetime
) -> Assignment:
    exercise = catalog.exercise(exercise_id)
    if exercise is None or exercise.retired:
        raise Unprocessable("No such exercise on offer.", loc=["body", "exercise_id"])
    assignment = Assignment(
        couple_id=owner.couple.id if owner.couple else None,
        solo_user_id=None if owner.couple else owner.user.id,
        kind=AssignmentKind.extra,
        exercise_id=exercise.id,
        exercise_version=exercise.current.version,
        local_date=owner.day(now),
        created_at=now,
    )
    changes.stamp(db, owner.space, assignment)
    db.flush()
    return assignment


def put_answer(
    db: Session,
    catalog: Catalog,
    user: User,
    assignment: Assignment,
    body: AnswerIn,
    *,
    if_match: int | None,
    now: datetime,
) -> tuple[Answer, bool, list[Answer]]:
    """Create or replace the caller's answer: (the answer, whether it was created, every
    answer of the assignment now)."""
    changes.lock_couple(db, assignment)
    check_answer(delivered(catalog, assignment).spec, body.content)
    answers = list(db.exec(select(Answer).where(Answer.assignment_id == assignment.id)).all())
    mine = next((a for a in answers if a.user_id == user.id), None)
    check_version(mine, if_match)
    content = body.content.model_dump(mode="json")
    created = mine is None
    if mine is None:
        mine = Answer(
            id=body.id or new_id(),
            assignment_id=assignment.id,
            user_id=user.id,
            content=content,
            created_at=now,
            updated_at=now,
            # Revealed stays revealed: answering again after a withdrawal is an edit too.
            edited_at=None if assignment.revealed_at is None else now,
        )
        if db.get(Answer, mine.id) is not None:
            raise Conflict("An answer with this id already exists.")
        answers.append(mine)
    elif mine.content != content:
        mine.content, mine.version, mine.updated_at = content, mine.version + 1, now
        if assignment.revealed_at is not None:
            mine.edited_at = now
    partner = partner_in(db, assignment, user) if created else None
    if partner is not None:
        notices.enqueue_partner_answered(db, assignment, user, partner, now)
    if reveal_if_complete(assignment, answers, now):
        # Who may see a row changed: a change too. Clients that pulled the masked answer (and
        # the reactions hidden with it) get the revealed one on their next pull.
        shown = reactions.reactions_of(db, [answer.id for answer in answers])
        changes.stamp(db, assignment.space, assignment, *answers, *shown)
    elif assignment.revealed_at is not None:
        # Once revealed, each answer's guess score depends on the other's: both changed.
        changes.stamp(db, assignment.space, *answers)
    else:
        changes.stamp(db, assignment.space, mine)
    db.flush()
    return mine, created, answers


def check_version(mine: Answer | None, if_match: int | None) -> None:
    """412 with the current answer when `If-Match` names another version than the stored one
    (0: no answer)."""
    if if_match is not None and (0 if mine is None else mine.version) != if_match:
        raise PreconditionFailed(
            "The answer changed since the version in If-Match.",
            extra={
                "current": None if mine is None else mine.content,
                "current_version": None if mine is None else mine.version,
            },
        )


def withdraw_answer(
    db: Session, user: User, assignment: Assignment, *, if_match: int | None = None
) -> None:
    """Delete the caller's answer. A revealed assignment stays revealed, and an answer given
    after this one shows to the partner as edited."""
    changes.lock_couple(db, assignment)
    mine = db.exec(
        select(Answer).where(Answer.assignment_id == assignment.id, Answer.user_id == user.id)
    ).first()
    check_version(mine, if_match)
    if mine is None:
        raise NotFound("You have not answered this assignment.")
    gone: list[changes.Synced] = [
        *reactions.reactions_of(db, [mine.id]),
        mine,
    ]  # reactions go with it
    for row in gone:
        changes.bury(db, assignment.space, row)
    db.delete(mine)
    if assignment.revealed_at is not None:
        # The partner's guess was scored against this answer: without it, it is not scored.
        others = db.exec(
            select(Answer).where(Answer.assignment_id == assignment.id, Answer.user_id != user.id)
        ).all()
        if others:
            changes.stamp(db, assignment.space, *others)


def partner_in(db: Session, assignment: Assignment, user: User) -> User | None:
    """The other person of the assignment's couple (none for solo assignments)."""
    if assignment.couple_id is None:
        return None
    return db.exec(
        select(User).where(User.couple_id == assignment.couple_id, User.id != user.id)
    ).first()


def visible_answer(db: Session, user: User, answer_id: str) -> Answer:
    """An answer the caller may see: their own, or their partner's on a revealed assignment."""
    found = db.exec(
        select(Answer)
        .join(Assignment, col(Assignment.id) == Answer.assignment_id)
        .where(Answer.id == answer_id, visible_condition(user))
    ).first()
    if found is None:
        raise NotFound("No such answer.")
    if found.user_id != user.id:
        assignment = db.get_one(Assignment, found.assignment_id)
        if assignment.revealed_at is None:
            raise NotFound("No such answer.")
    return found


def history(
    db: Session,
    user: User,
    *,
    exercise_ids: list[str] | None,
    kind: str | None,
    revealed: bool | None,
    after: tuple[date, str] | None,
    limit: int,
) -> list[Assignment]:
    """The caller's assignments, newest day first (ties by id), one page after `after`."""
    query = select(Assignment).where(visible_condition(user))
    if exercise_ids is not None:
        query = query.where(col(Assignment.exercise_id).in_(exercise_ids))
    if kind is not None:
        query = query.where(Assignment.kind == kind)
    if revealed is not None:
        query = query.where(
            col(Assignment.revealed_at).is_not(None)
            if revealed
            else col(Assignment.revealed_at).is_(None)
        )
    if after is not None:
        day, last_id = after
        query = query.where(
            or_(
                col(Assignment.local_date) < day,
                (col(Assignment.local_date) == day) & (col(Assignment.id) < last_id),
            )
        )
    ordered = query.order_by(col(Assignment.local_date).desc(), col(Assignment.id).desc())
    return list(db.exec(ordered.limit(limit)))


def authored_answers(db: Session, user: User) -> list[tuple[Assignment, Answer]]:
    """Every answer the user wrote, with its assignment, oldest day first (for export)."""
    rows = db.exec(
        select(Assignment, Answer)
        .join(Answer, col(Answer.assignment_id) == Assignment.id)
        .where(Answer.user_id == user.id)
        .order_by(col(Assignment.local_date), col(Assignment.id))
    ).all()
    return [(assignment, answer) for assignment, answer in rows]
