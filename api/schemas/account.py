"""Bodies of the auth and /v1/me endpoints."""

from datetime import date, datetime
from typing import Literal

from pydantic import EmailStr, Field, field_validator

from api.schemas.answer import AnswerOut
from api.schemas.base import RequestBody, ResponseBody
from api.schemas.fields import DisplayName, Locale, LocalTime, Password, TimeZoneName


class RegisterIn(RequestBody):
    email: EmailStr = Field(max_length=320, examples=["sam@example.com"])
    password: Password
    display_name: DisplayName
    timezone: TimeZoneName = "UTC"
    locale: Locale = "en"


class UserOut(ResponseBody):
    id: str
    email: str
    email_verified: bool
    display_name: str
    timezone: str
    locale: str
    reminder_time: str | None
    created_at: datetime
    couple_id: str | None = Field(description="The couple the user is linked in, if any.")


class TokenOut(ResponseBody):
    access_token: str = Field(description="A JWT for `Authorization: Bearer`, valid 10 minutes.")
    refresh_token: str = Field(description="Opaque; spend it at /v1/auth/refresh for a new pair.")
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.", examples=[600])
    user: UserOut


class RefreshIn(RequestBody):
    refresh_token: str = Field(min_length=1, max_length=512)


class PasswordChangeIn(RequestBody):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: Password


class PasswordResetIn(RequestBody):
    email: EmailStr = Field(max_length=320)


class PasswordResetConfirmIn(RequestBody):
    token: str = Field(min_length=1, max_length=512)
    new_password: Password


class EmailVerificationConfirmIn(RequestBody):
    token: str = Field(min_length=1, max_length=512)


class ProfileUpdateIn(RequestBody):
    display_name: DisplayName | None = None
    timezone: TimeZoneName | None = None
    locale: Locale | None = None
    reminder_time: LocalTime | None = Field(
        default=None, description="When to be reminded (local HH:MM); null turns reminders off."
    )

    @field_validator("display_name", "timezone", "locale")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep it")
        return value


class AccountDeleteIn(RequestBody):
    password: str = Field(min_length=1, max_length=256)


class SessionOut(ResponseBody):
    id: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class ProfileExport(ResponseBody):
    id: str
    email: str
    email_verified: bool
    display_name: str
    timezone: str
    locale: str
    reminder_time: str | None
    created_at: datetime


class CoupleExport(ResponseBody):
    id: str
    linked_at: datetime
    ended_at: datetime | None
    timezone: str
    day_starts_at: str
    focus_themes: list[str]


class AnswerExport(ResponseBody):
    assignment_id: str
    kind: str
    local_date: date
    exercise_id: str
    exercise_version: int
    exercise_title: str | None
    exercise_prompt: str | None
    answer: AnswerOut


class CommentExport(ResponseBody):
    id: str
    assignment_id: str
    body: str
    created_at: datetime


class CheckInExport(ResponseBody):
    id: str
    local_date: date
    mood: int
    note: str | None
    created_at: datetime
    updated_at: datetime


class AccountExportOut(ResponseBody):
    exported_at: datetime
    profile: ProfileExport
    sessions: list[SessionOut] = Field(description="Every login of the account.")
    couples: list[CoupleExport] = Field(description="Every couple, past and present.")
    answers: list[AnswerExport] = Field(description="Your answers, with the exercise texts.")
    comments: list[CommentExport] = Field(description="Your comments.")
    checkins: list[CheckInExport] = Field(description="Your check-ins.")
