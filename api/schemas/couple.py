"""Bodies of the /v1/couple endpoints."""

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, field_validator

from api.kernel.fields import LocalTime, TimeZoneName
from api.schemas.base import ChangesIn, RequestBody, ResponseBody

ThemeSlug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]


class InviteOut(ResponseBody):
    code: str = Field(
        description="8 characters without look-alikes (no 0/O, 1/I/L); case and dashes ignored.",
        examples=["K7QM-3XTR".replace("-", "")],
    )
    link: str = Field(description="A deep link that opens the app on the join screen.")
    expires_at: datetime


class JoinIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "K7QM-3XTR"}]})

    code: str = Field(
        min_length=1,
        max_length=32,
        description="The partner's code as typed; case, spaces and dashes are ignored.",
        examples=["k7qm-3xtr"],
    )


class PartnerOut(ResponseBody):
    id: str
    display_name: str


class StreakOut(ResponseBody):
    current: int = Field(description="Consecutive couple days on which both answered.")
    longest: int
    freezes_available: int = Field(description="Missed days the streak can absorb right now.")


class JourneyProgressOut(ResponseBody):
    slug: str
    title: str
    started_at: datetime
    days_given: int = Field(description="Days of the journey delivered so far.")
    days_total: int


class JourneyStartIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"slug": "seven-days-of-trust"}]})

    slug: str = Field(min_length=1, max_length=64, examples=["seven-days-of-trust"])


class CoupleOut(ResponseBody):
    id: str
    partner: PartnerOut
    linked_at: datetime
    timezone: str = Field(description="IANA zone that, with day_starts_at, defines the day.")
    day_starts_at: str = Field(description="Local HH:MM at which the couple's day begins.")
    focus_themes: list[str] = Field(description="Theme slugs the daily exercise is drawn from.")
    journey: JourneyProgressOut | None
    streak: StreakOut


class CoupleUpdateIn(ChangesIn):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "timezone": "Europe/Paris",
                    "day_starts_at": "04:00",
                    "focus_themes": ["trust", "laughter-play"],
                }
            ]
        }
    )

    timezone: TimeZoneName | None = None

    day_starts_at: LocalTime | None = None
    focus_themes: list[ThemeSlug] | None = Field(
        default=None,
        max_length=32,
        description="Theme slugs, each once; an empty list means every non-sensitive theme.",
        json_schema_extra={"uniqueItems": True},
    )

    @field_validator("focus_themes")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("lists a theme twice")
        return value
