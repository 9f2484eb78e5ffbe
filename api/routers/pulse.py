"""/v1/pulse: the monthly pulse, five statements about the month scored 1 to 5."""

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from starlette.convertors import Convertor, register_url_convertor

from api.deps import Caller, Now, Scoped, SessionDep
from api.kernel.errors import problem_responses
from api.routers.content import Language
from api.schemas.ritual import MONTH_PATTERN, PulseIn, PulseOut, PulseQuestionOut, PulseQuestionsOut
from api.security.scopes import Scope
from api.services.assignments import delivery
from api.services.rituals import pulses

router = APIRouter(prefix="/v1/pulse", tags=["pulse"], responses=problem_responses(401, 403, 429))


class MonthShaped(Convertor[str]):
    """Routes only what looks like a month to /{month}, so /questions is a path of its own
    (a PUT there is 405, not a month that fails validation); the pattern then checks it."""

    regex = "[0-9]{4}-[0-9]{2}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("month", MonthShaped())

Month = Annotated[
    str,
    Path(
        pattern=MONTH_PATTERN,
        description="The month, YYYY-MM: the current one at the latest.",
        examples=["2026-11"],
    ),
]


@router.get(
    "/questions",
    summary="The pulse's five statements",
    description=(
        "Written for Attune (not a published questionnaire), in the language of "
        "`Accept-Language` where translated. Score each from 1 (not at all) to 5 (completely)."
    ),
    responses=problem_responses(401),
)
async def questions(
    caller: Annotated[Caller, Scoped(Scope.answers_read)], language: Language, response: Response
) -> PulseQuestionsOut:
    served, found = pulses.questions(language)
    response.headers["Content-Language"] = served
    return PulseQuestionsOut(
        questions=[PulseQuestionOut(id=q.id, statement=q.statement) for q in found],
        min_score=pulses.MIN_SCORE,
        max_score=pulses.MAX_SCORE,
    )


@router.put(
    "/{month:month}",
    summary="Your pulse of a month",
    description=(
        "One score for each of the five statements; replaces your earlier pulse of the month "
        "(201 for the first, 200 after). The `score` is their mean on a scale of 0 to 100. "
        "Private: your partner sees the score only in the couple's trend "
        "(`GET /v1/couple/stats`), when you both set `share_pulse`, and only for months you "
        "both answered. 422 for a month that has not begun (or does not exist); a path not "
        "shaped YYYY-MM is 404."
    ),
    responses={
        200: {"model": PulseOut, "description": "Your pulse of the month was replaced."},
        **problem_responses(401, 404, 422),
    },
    status_code=status.HTTP_201_CREATED,
)
def put(
    month: Month,
    body: PulseIn,
    caller: Annotated[Caller, Scoped(Scope.answers_write)],
    db: SessionDep,
    now: Now,
    response: Response,
) -> PulseOut:
    owner = delivery.owner_of(db, caller.user)
    answers = {answer.question_id: answer.score for answer in body.answers}
    found, created = pulses.put_pulse(db, owner, month, answers, now)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return pulses.pulse_out(found)


@router.get(
    "/{month:month}",
    summary="Your pulse of a month",
    description="Yours only; 404 when you have not answered that month.",
    responses=problem_responses(401, 404, 422),
)
def get(
    month: Month, caller: Annotated[Caller, Scoped(Scope.answers_read)], db: SessionDep
) -> PulseOut:
    return pulses.pulse_out(pulses.pulse_of(db, caller.user, month))
