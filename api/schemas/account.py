"""Bodies of the auth and /v1/me endpoints."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field
from pydantic.config import JsonDict

from api.kernel.fields import DisplayName, Locale, LocalTime, TimeZoneName
from api.schemas.answer import AnswerOut
from api.schemas.base import ChangesIn, RequestBody, ResponseBody
from api.security.passwords import MAX_LENGTH, MIN_LENGTH

Password = Annotated[
    str,
    Field(
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
        description=f"{MIN_LENGTH} to {MAX_LENGTH} characters, any Unicode; common ones refused.",
        examples=["a long phrase only we know"],
    ),
]


class RegisterIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "sam@example.com",
                    "password": "a long phrase only we know",
                    "display_name": "Sam",
                    "timezone": "Europe/Paris",
                    "locale": "en",
                }
            ]
        }
    )

    email: EmailStr = Field(max_length=320, examples=["sam@example.com"])
    password: Password
    display_name: DisplayName
    timezone: TimeZoneName = "UTC"
    locale: Locale = "en"


_USER: JsonDict = {
    "id": "5a0e2c1d-7b3f-4e8a-9c6d-2f1b0a9e8d7c",
    "email": "sam@example.com",
    "email_verified": True,
    "display_name": "Sam",
    "timezone": "Europe/Paris",
    "locale": "en",
    "reminder_time": "20:30",
    "created_at": "2026-11-02T18:04:11Z",
    "couple_id": "c3d4e5f6-0718-4a2b-8c9d-0e1f2a3b4c5d",
}


class UserOut(ResponseBody):
    model_config = ConfigDict(json_schema_extra={"examples": [_USER]})

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6IjIwMjYtMTEifQ.eyJzdWIiOi...",
                    "refresh_token": "q8ZrV1b2fQ7xWl1nT8rP4sZc6uYhJm5a",
                    "token_type": "bearer",
                    "expires_in": 600,
                    "user": _USER,
                }
            ]
        }
    )

    access_token: str = Field(description="A JWT for `Authorization: Bearer`, valid 10 minutes.")
    refresh_token: str = Field(description="Opaque; spend it at /v1/auth/refresh for a new pair.")
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.", examples=[600])
    user: UserOut


class LoginForm(BaseModel):
    """The OAuth2 password grant (RFC 6749 §4.3), as /docs and OAuth2 libraries send it: other
    fields are ignored, not refused, and every field has a limit."""

    grant_type: Literal["password"] | None = None
    username: str = Field(max_length=320, description="The account's email.")
    password: str = Field(max_length=MAX_LENGTH)
    scope: str = Field(
        default="",
        max_length=1024,
        description="Ignored: a signed-in user holds every scope of their role.",
    )
    client_id: str | None = Field(default=None, max_length=256)
    client_secret: str | None = Field(default=None, max_length=256)


class RefreshIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"refresh_token": "q8ZrV1b2fQ7xWl1nT8rP4sZc6uYhJm5a"}]}
    )

    refresh_token: str = Field(min_length=1, max_length=512)


class PasswordChangeIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "current_password": "a long phrase only we know",
                    "new_password": "an even longer phrase we both remember",
                }
            ]
        }
    )

    current_password: str = Field(min_length=1, max_length=256)
    new_password: Password


class PasswordResetIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "sam@example.com"}]})

    email: EmailStr = Field(max_length=320)


class PasswordResetConfirmIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "token": "the token from the mailed link",
                    "new_password": "an even longer phrase we both remember",
                }
            ]
        }
    )

    token: str = Field(min_length=1, max_length=512)
    new_password: Password


class EmailVerificationConfirmIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"token": "the token from the mailed link"}]}
    )

    token: str = Field(min_length=1, max_length=512)


class ProfileUpdateIn(ChangesIn):
    nullable = frozenset({"reminder_time"})
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"display_name": "Sam", "timezone": "America/Mexico_City", "reminder_time": "20:30"}
            ]
        }
    )

    display_name: DisplayName | None = None
    timezone: TimeZoneName | None = None
    locale: Locale | None = None
    reminder_time: LocalTime | None = Field(
        default=None, description="When to be reminded (local HH:MM); null turns reminders off."
    )


class AccountDeleteIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"password": "a long phrase only we know"}]}
    )

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


class ReactionExport(ResponseBody):
    answer_id: str
    emoji: str
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
    reactions: list[ReactionExport] = Field(description="Your reactions to answers.")
    checkins: list[CheckInExport] = Field(description="Your check-ins.")
