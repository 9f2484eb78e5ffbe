"""Bodies of the rituals between the dailies: appreciations, the nudge, the pause, the pulse."""

from datetime import date, datetime
from typing import Annotated

from pydantic import ConfigDict, Field, Strict, field_validator

from api.kernel.errors import Problem
from api.kernel.fields import IsoDate
from api.schemas.answer import ClientId
from api.schemas.base import RequestBody, ResponseBody
from api.schemas.pagination import Page

AppreciationBody = Annotated[
    str,
    Field(
        min_length=1,
        max_length=500,
        pattern=r"\S",
        description="A short note of thanks, shown to your partner at once.",
        examples=["Thank you for making soup when I was ill."],
    ),
]
PauseReason = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
# YYYY-MM, as the path of /v1/pulse/{month} spells a month.
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class AppreciationIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "2f6b9c1e-3a4d-4b5e-8f70-1a2b3c4d5e6f",
                    "body": "Thank you for making soup when I was ill.",
                }
            ]
        }
    )

    id: ClientId | None = None
    body: AppreciationBody


class AppreciationReactionOut(ResponseBody):
    appreciation_id: str
    user_id: str
    emoji: str
    created_at: datetime


class AppreciationOut(ResponseBody):
    id: str
    author_id: str = Field(description="Who sent it: you or your partner.")
    body: str
    created_at: datetime
    reactions: list[AppreciationReactionOut] = Field(description="At most one per person.")


class AppreciationPage(Page[AppreciationOut]):
    """A page of your couple's appreciations, newest first."""


class NudgeOut(ResponseBody):
    next_nudge_at: datetime = Field(
        description="When the couple's next day begins: the earliest the next nudge can go."
    )


class PauseIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"until": "2026-12-06", "reason": "Flu, both of us."}]}
    )

    # JSON has no date type: the YYYY-MM-DD string is the date (strict would refuse it).
    until: Annotated[IsoDate, Strict(False)] = Field(
        description="The last couple day of the pause (YYYY-MM-DD), today at the earliest and "
        "at most 14 days ahead."
    )
    reason: PauseReason | None = Field(default=None, description="Shown to your partner; optional.")


class PauseOut(ResponseBody):
    id: str
    paused_by: str = Field(description="Who paused: you or your partner.")
    starts_on: date = Field(description="The first paused couple day.")
    until: date = Field(description="The last paused couple day, inclusive.")
    reason: str | None
    created_at: datetime
    updated_at: datetime


class PausedProblem(Problem):
    """A 409 while the couple is paused."""

    paused_until: date = Field(description="The last paused couple day.")


class NudgeProblem(Problem):
    """A 409 of the nudge: `type` says why not now."""

    next_nudge_at: datetime | None = Field(
        default=None,
        description="When the next nudge can be sent: only when one already went today "
        "(`urn:attune:problem:already-nudged`).",
    )


class PauseLimitProblem(Problem):
    """A 409: the pause would pass the couple's budget of paused days."""

    days_left: int = Field(description="Paused days still free in the window of this pause.")


class PulseQuestionOut(ResponseBody):
    id: str = Field(examples=["felt-heard"])
    statement: str = Field(description="Scored 1 (not at all) to 5 (completely).")


class PulseQuestionsOut(ResponseBody):
    questions: list[PulseQuestionOut] = Field(description="The five statements, in order.")
    min_score: int = Field(examples=[1])
    max_score: int = Field(examples=[5])


class PulseAnswerIn(RequestBody):
    question_id: str = Field(min_length=1, max_length=32, examples=["felt-heard"])
    score: int = Field(ge=1, le=5, description="1 not at all, 5 completely.")


class PulseIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "answers": [
                        {"question_id": "felt-heard", "score": 4},
                        {"question_id": "time-together", "score": 3},
                        {"question_id": "easy-to-repair", "score": 4},
                        {"question_id": "felt-appreciated", "score": 5},
                        {"question_id": "looking-forward", "score": 4},
                    ]
                }
            ]
        }
    )

    answers: list[PulseAnswerIn] = Field(
        min_length=1,
        max_length=5,
        description="One score for each of the five statements of /v1/pulse/questions.",
    )

    @field_validator("answers")
    @classmethod
    def _each_once(cls, value: list[PulseAnswerIn]) -> list[PulseAnswerIn]:
        if len({answer.question_id for answer in value}) != len(value):
            raise ValueError("answers a statement twice")
        return value


class PulseAnswerOut(ResponseBody):
    question_id: str
    score: int


class PulseOut(ResponseBody):
    month: str = Field(examples=["2026-11"])
    answers: list[PulseAnswerOut]
    score: int = Field(description="0 to 100: the mean of the answers, scaled.")
    created_at: datetime
    updated_at: datetime


class PulseTrendPoint(ResponseBody):
    month: str
    score: int = Field(description="Yours, 0 to 100.")
    partner_score: int | None = Field(
        description="Your partner's: only when you both share your pulse, and only for a month "
        "you both answered."
    )
