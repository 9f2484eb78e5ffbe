"""The reveal rule, in the one place every path that can carry an answer goes through.

A partner's answer content reaches a user only once the assignment is revealed, and it is
revealed for good once both partners have answered it. Before that the user learns only
that the partner answered. Solo assignments have no partner side at all.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import TypeAdapter

from api.content.catalog import Catalog
from api.content.presenter import exercise_out
from api.kernel.errors import NotFound
from api.models import Answer, Assignment, Reaction
from api.schemas.answer import AnswerContent, AnswerOut, GuessContent
from api.schemas.assignment import AssignmentOut, PartnerStatus, ReactionOut
from api.services.assignments.answer_rules import guess_is_correct

CONTENT: TypeAdapter[AnswerContent] = TypeAdapter(AnswerContent)


@dataclass(frozen=True)
class Visible:
    """What one viewer may see of an assignment's answers."""

    mine: AnswerOut | None
    partners: AnswerOut | None
    partner_status: PartnerStatus | None
    revealed: bool
    shown: dict[str, AnswerOut]


def is_complete(assignment: Assignment, answers: Sequence[Answer]) -> bool:
    """Both partners have answered a couple's assignment: time to reveal it."""
    return assignment.couple_id is not None and len({a.user_id for a in answers}) >= 2


def reveal_if_complete(assignment: Assignment, answers: Sequence[Answer], now: datetime) -> bool:
    """Reveal the assignment for good once both answered; True when this call revealed it.
    Callers hold the couple's lock, so two partners answering at once still reveal."""
    if assignment.revealed_at is None and is_complete(assignment, answers):
        assignment.revealed_at = now
        return True
    return False


def may_see(viewer_id: str, answer: Answer, assignment: Assignment) -> bool:
    """The reveal rule itself: an answer's author always, anyone else only once revealed."""
    return answer.user_id == viewer_id or assignment.revealed_at is not None


def visible_answers(
    viewer_id: str, assignment: Assignment, answers: Sequence[Answer]
) -> dict[str, AnswerOut]:
    """Every answer of one assignment the viewer may see, by id, each guess scored against
    the other visible answer. REST, sync, export and mutation results all render this way."""
    shown = [answer for answer in answers if may_see(viewer_id, answer, assignment)]
    return {
        answer.id: _render_answer(
            answer, next((other for other in shown if other.user_id != answer.user_id), None)
        )
        for answer in shown
    }


def visible_reactions(
    reactions: Iterable[Reaction], shown: Mapping[str, AnswerOut]
) -> list[ReactionOut]:
    """The reactions to answers the viewer may see: a reaction to a masked answer would say
    that the answer exists and how its author feels about it."""
    return [ReactionOut.model_validate(r) for r in reactions if r.answer_id in shown]


def visible_to(viewer_id: str, assignment: Assignment, answers: Sequence[Answer]) -> Visible:
    shown = visible_answers(viewer_id, assignment, answers)
    mine = next((a for a in answers if a.user_id == viewer_id), None)
    theirs = next((a for a in answers if a.user_id != viewer_id), None)
    status: PartnerStatus | None = None
    if assignment.couple_id is not None:
        status = "answered" if theirs is not None else "pending"
    return Visible(
        mine=shown[mine.id] if mine else None,
        partners=shown.get(theirs.id) if theirs else None,
        partner_status=status,
        revealed=assignment.revealed_at is not None,
        shown=shown,
    )


def _render_answer(answer: Answer, other: Answer | None) -> AnswerOut:
    """An answer as its author wrote it; a guess is scored only against a visible other."""
    content = CONTENT.validate_python(answer.content)
    correct = None
    if isinstance(content, GuessContent) and other is not None:
        other_content = CONTENT.validate_python(other.content)
        if isinstance(other_content, GuessContent):
            correct = guess_is_correct(content, other_content)
    return AnswerOut(
        id=answer.id,
        author_id=answer.user_id,
        content=content,
        version=answer.version,
        created_at=answer.created_at,
        updated_at=answer.updated_at,
        edited=answer.edited_at is not None,
        guess_correct=correct,
    )


def assignment_out(
    viewer_id: str,
    assignment: Assignment,
    answers: Sequence[Answer],
    reactions: Sequence[Reaction],
    catalog: Catalog,
    language: str,
) -> AssignmentOut:
    """An assignment as `viewer_id` may see it: every path that shows one calls this."""
    seen = visible_to(viewer_id, assignment, answers)
    exercise = catalog.exercise(assignment.exercise_id)
    version = catalog.version(assignment.exercise_id, assignment.exercise_version)
    if exercise is None or version is None:
        raise NotFound("The exercise of this assignment is not available.")
    return AssignmentOut(
        id=assignment.id,
        exercise=exercise_out(exercise, version, language),
        kind=assignment.kind,
        local_date=assignment.local_date,
        created_at=assignment.created_at,
        my_answer=seen.mine,
        partner_answer=seen.partners,
        partner_status=seen.partner_status,
        revealed=seen.revealed,
        reactions=visible_reactions(reactions, seen.shown),
    )
