"""/v1/answers/{id}/reaction: one reaction per person per answer."""

from typing import Annotated

from fastapi import APIRouter, Response, status

from api.deps import AnswerInPath, Caller, Now, Scoped, SessionDep
from api.kernel.errors import problem_responses
from api.schemas.assignment import ReactionIn, ReactionOut
from api.security.scopes import Scope
from api.services.assignments import reactions

router = APIRouter(
    prefix="/v1/answers", tags=["answer"], responses=problem_responses(401, 403, 429)
)


@router.put(
    "/{answer_id}/reaction",
    summary="React to an answer",
    description="Your own answer, or your partner's once revealed. A new emoji replaces yours.",
    responses=problem_responses(401, 404, 422),
)
def set_reaction(
    answer: AnswerInPath,
    body: ReactionIn,
    caller: Annotated[Caller, Scoped(Scope.answers_write)],
    db: SessionDep,
    now: Now,
) -> ReactionOut:
    reaction = reactions.set_reaction(db, caller.user, answer(caller.user), body.emoji, now)
    return ReactionOut.model_validate(reaction)


@router.delete(
    "/{answer_id}/reaction",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Take your reaction back",
    description="204 also when you had not reacted.",
    responses=problem_responses(401, 404),
)
def clear_reaction(
    answer: AnswerInPath, caller: Annotated[Caller, Scoped(Scope.answers_write)], db: SessionDep
) -> Response:
    reactions.clear_reaction(db, caller.user, answer(caller.user))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
