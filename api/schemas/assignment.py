"""Bodies of assignments, comments, reactions and check-ins."""

from datetime import date, datetime
from typing import Literal

from pydantic import Field, field_validator

from api.schemas.answer import AnswerOut, ClientId
from api.schemas.base import RequestBody, ResponseBody
from api.schemas.content import ExerciseOut
from api.schemas.couple import StreakOut
from api.schemas.pagination import Page

AssignmentKind = Literal["daily", "journey", "extra", "solo"]


class ReactionOut(ResponseBody):
    answer_id: str
    user_id: str
    emoji: str
    created_at: datetime


class AssignmentOut(ResponseBody):
    id: str
    exercise: ExerciseOut = Field(description="The exercise version this assignment was given.")
    kind: AssignmentKind
    local_date: date = Field(description="The couple's (or solo user's) day it belongs to.")
    created_at: datetime
    my_answer: AnswerOut | None
    partner_answer: AnswerOut | None = Field(
        description="Only once revealed: until you have answered, it is always null."
    )
    partner_status: Literal["pending", "answered"] | None = Field(
        description="Whether the partner has answered; null on solo assignments."
    )
    revealed: bool = Field(description="Both have answered; stays true for good.")
    reactions: list[ReactionOut] = Field(description="Reactions to the answers shown here.")


class AssignmentPage(Page[AssignmentOut]):
    pass


class ExtraAssignmentIn(RequestBody):
    exercise_id: str = Field(min_length=1, max_length=64, examples=["trust-01"])


class CommentIn(RequestBody):
    id: ClientId | None = None
    body: str = Field(min_length=1, max_length=2000)


class CommentOut(ResponseBody):
    id: str
    assignment_id: str
    author_id: str
    body: str
    created_at: datetime


class CommentPage(Page[CommentOut]):
    pass


class ReactionIn(RequestBody):
    emoji: str = Field(min_length=1, max_length=16, examples=["❤️"])

    @field_validator("emoji")
    @classmethod
    def _is_emoji(cls, value: str) -> str:
        if any(ch.isspace() or (ch.isascii() and ch.isprintable()) for ch in value):
            raise ValueError("must be an emoji")
        return value


class CheckInIn(RequestBody):
    id: ClientId | None = None
    mood: int = Field(ge=1, le=5, description="How connected you feel today, 1 to 5.")
    note: str | None = Field(default=None, min_length=1, max_length=500)


class CheckInOut(ResponseBody):
    id: str
    user_id: str
    local_date: date
    mood: int
    note: str | None
    created_at: datetime
    updated_at: datetime


class CheckInList(ResponseBody):
    items: list[CheckInOut] = Field(description="Oldest day first.")


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
