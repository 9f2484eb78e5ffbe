"""/v1/answers/{id}/reaction: one reaction per person per answer."""

from fastapi import APIRouter, Response, status

from api.deps import CurrentCaller, Now, SessionDep
from api.errors import problem_responses
from api.schemas.assignment import ReactionIn, ReactionOut
from api.services import assignments

router = APIRouter(prefix="/v1/answers", tags=["answers"])


@router.put(
    "/{answer_id}/reaction",
    summary="React to an answer",
    description="Your own answer, or your partner's once revealed. A new emoji replaces yours.",
    responses=problem_responses(401, 404, 422),
)
def set_reaction(
    answer_id: str, body: ReactionIn, caller: CurrentCaller, db: SessionDep, now: Now
) -> ReactionOut:
    answer = assignments.visible_answer(db, caller.user, answer_id)
    reaction = assignments.set_reaction(db, caller.user, answer, body.emoji, now)
    return ReactionOut.model_validate(reaction)


@router.delete(
    "/{answer_id}/reaction",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Take your reaction back",
    responses=problem_responses(401, 404),
)
def clear_reaction(answer_id: str, caller: CurrentCaller, db: SessionDep) -> Response:
    answer = assignments.visible_answer(db, caller.user, answer_id)
    assignments.clear_reaction(db, caller.user, answer)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
