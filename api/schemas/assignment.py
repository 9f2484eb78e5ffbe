"""Bodies of assignments, comments, reactions and check-ins."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field
from pydantic.config import JsonDict

from api.schemas.answer import AnswerOut, ClientId
from api.schemas.base import RequestBody, ResponseBody
from api.schemas.content import ExerciseOut
from api.schemas.couple import StreakOut
from api.schemas.pagination import Page


# Why an assignment exists: the couple's daily, a journey's day, one chosen on top, a solo daily.
class AssignmentKind(StrEnum):
    daily = "daily"
    journey = "journey"
    extra = "extra"
    solo = "solo"


PartnerStatus = Literal["pending", "answered"]


def _is_emoji(value: str) -> str:
    if any(ch.isspace() or (ch.isascii() and ch.isprintable()) for ch in value):
        raise ValueError("must be an emoji")
    return value


# Field types shared by the REST bodies and the sync mutations that make the same writes.
Emoji = Annotated[
    str,
    Field(
        min_length=1,
        max_length=16,
        examples=["❤️"],
        description="Emoji only (a sequence such as ❤️ or 👍🏽 counts as one): letters, digits, "
        "punctuation and spaces are refused.",
    ),
    AfterValidator(_is_emoji),
]
CommentBody = Annotated[str, Field(min_length=1, max_length=2000)]
Mood = Annotated[int, Field(ge=1, le=5, description="How connected you feel today, 1 to 5.")]
CheckInNote = Annotated[str, Field(min_length=1, max_length=500)]


class ReactionOut(ResponseBody):
    answer_id: str
    user_id: str
    emoji: str
    created_at: datetime


_OWN_ANSWER: JsonDict = {
    "id": "0b6f8a1e-2c4d-4e5f-9a7b-1c2d3e4f5a6b",
    "author_id": "5a0e2c1d-7b3f-4e8a-9c6d-2f1b0a9e8d7c",
    "content": {"type": "open", "text": "When you drove me to the airport at 5."},
    "version": 1,
    "created_at": "2026-11-26T07:40:12Z",
    "updated_at": "2026-11-26T07:40:12Z",
    "edited": False,
    "guess_correct": None,
}
# An exercise as served (also the example of the Exercise union, api/edge/contract/examples.py).
EXERCISE_EXAMPLE: JsonDict = {
    "id": "trust-01",
    "theme": "trust",
    "type": "open",
    "title": "When I could count on you",
    "prompt": "Describe a specific moment when you felt you could truly count on your partner.",
    "why": "Recalling reliable moments reminds you both what trust looks like in action.",
    "mechanism": "gratitude",
    "depth": 2,
    "follow_up": "Did your partner know at the time how much that moment mattered?",
    "max_length": 1000,
    "version": 1,
    "retired": False,
    "language": "en",
}
_ASSIGNMENT: JsonDict = {
    "id": "48de167b-ae6f-4da5-a428-714ffe76589f",
    "exercise": EXERCISE_EXAMPLE,
    "kind": "daily",
    "local_date": "2026-11-26",
    "created_at": "2026-11-26T06:02:45Z",
    "reactions": [],
}


class AssignmentOut(ResponseBody):
    # Revealed: both answers shown. (FastAPI drops nulls from examples, so the masked state,
    # with `partner_answer: null`, cannot be shown as one; the field descriptions tell it.)
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _ASSIGNMENT
                | {
                    "my_answer": _OWN_ANSWER,
                    "partner_answer": _OWN_ANSWER
                    | {
                        "id": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                        "author_id": "e8f9a0b1-c2d3-4e4f-8a5b-6c7d8e9f0a1b",
                        "content": {"type": "open", "text": "The night you stayed up with me."},
                    },
                    "partner_status": "answered",
                    "revealed": True,
                },
            ]
        }
    )

    id: str
    exercise: ExerciseOut = Field(description="The exercise version this assignment was given.")
    kind: AssignmentKind
    local_date: date = Field(description="The couple's (or solo user's) day it belongs to.")
    created_at: datetime
    my_answer: AnswerOut | None
    partner_answer: AnswerOut | None = Field(
        description="Only once revealed: until you have answered, it is always null."
    )
    partner_status: PartnerStatus | None = Field(
        description="Whether the partner has answered; null on solo assignments."
    )
    revealed: bool = Field(description="Both have answered; stays true for good.")
    reactions: list[ReactionOut] = Field(description="Reactions to the answers shown here.")


class AssignmentPage(Page[AssignmentOut]):
    pass


class ExtraAssignmentIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"exercise_id": "trust-01"}]})

    exercise_id: str = Field(min_length=1, max_length=64, examples=["trust-01"])


class CommentIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5f0c8a52-8c3e-4f4e-9a51-3f1f2a9b7c10",
                    "body": "I never knew that about you. Tell me more tonight?",
                }
            ]
        }
    )

    id: ClientId | None = None
    body: CommentBody


class CommentOut(ResponseBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5f0c8a52-8c3e-4f4e-9a51-3f1f2a9b7c10",
                    "assignment_id": "48de167b-ae6f-4da5-a428-714ffe76589f",
                    "author_id": "5a0e2c1d-7b3f-4e8a-9c6d-2f1b0a9e8d7c",
                    "body": "I never knew that about you. Tell me more tonight?",
                    "created_at": "2026-11-26T08:15:00Z",
                }
            ]
        }
    )

    id: str
    assignment_id: str
    author_id: str
    body: str
    created_at: datetime


class CommentPage(Page[CommentOut]):
    pass


class ReactionIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"emoji": "❤️"}]})

    emoji: Emoji


class CheckInIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "9d1e2f34-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                    "mood": 4,
                    "note": "A good talk over dinner.",
                }
            ]
        }
    )

    id: ClientId | None = None

    mood: Mood
    note: CheckInNote | None = None


class CheckInOut(ResponseBody):
    id: str
    user_id: str
    local_date: date
    mood: int
    note: str | None
    created_at: datetime
    updated_at: datetime


class CheckInPage(Page[CheckInOut]):
    """A page of check-ins, oldest day first."""


class CheckInTrend(ResponseBody):
    user_id: str
    last_7_days: float | None = Field(description="Average mood over the last 7 days.")
    previous_7_days: float | None


class CoupleStatsOut(ResponseBody):
    answered_together: int = Field(description="Assignments both of you answered.")
    streak: StreakOut
    themes_explored: list[str] = Field(description="Themes of the revealed assignments.")
    guess_accuracy: dict[str, float | None] = Field(
        description="By user id: the share of that person's revealed guesses that were right."
    )
    checkin_trend: list[CheckInTrend]
