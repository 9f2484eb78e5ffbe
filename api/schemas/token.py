"""Bodies of the /v1/tokens endpoints, and the 403 of a credential that lacks a scope."""

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, Strict, field_validator

from api.kernel.errors import Problem
from api.schemas.base import RequestBody, ResponseBody
from api.schemas.pagination import Page
from api.security.scopes import Scope

MAX_LIFETIME_DAYS = 365


class ApiTokenIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Journal sync",
                    "scopes": ["answers:read", "checkins:write"],
                    "expires_in_days": 90,
                }
            ]
        }
    )

    name: str = Field(
        min_length=1,
        max_length=80,
        pattern=r"\S",
        description="What the token is for, to recognize it later.",
    )
    # Scopes arrive as JSON strings; strict mode would want Scope members.
    scopes: list[Annotated[Scope, Strict(False)]] = Field(
        min_length=1,
        max_length=len(Scope),
        description="What the token may do, each scope once; `content:write` only for admins.",
        json_schema_extra={"uniqueItems": True},
    )
    expires_in_days: int = Field(
        default=90, ge=1, le=MAX_LIFETIME_DAYS, description="Days until the token stops working."
    )

    @field_validator("scopes")
    @classmethod
    def _distinct(cls, value: list[Scope]) -> list[Scope]:
        if len(set(value)) != len(value):
            raise ValueError("lists a scope twice")
        return value


class ScopeProblem(Problem):
    """A 403 of an operation that needs scopes: the credential (an API token, or a signed-in
    user without `content:write`) does not hold them all."""

    missing_scopes: list[Scope] = Field(
        min_length=1, description="The scopes the operation needs that the credential lacks."
    )


class ApiTokenOut(ResponseBody):
    id: str
    name: str
    prefix: str = Field(
        description="The secret's first characters, to tell tokens apart.",
        examples=["att_k3J9xQ2a"],
    )
    scopes: list[Scope]
    created_at: datetime
    last_used_at: datetime | None = Field(
        description="When it was last used, to the minute; null if never."
    )
    expires_at: datetime


class ApiTokenCreatedOut(ApiTokenOut):
    token: str = Field(
        description="The secret, for `Authorization: Bearer`: shown this once, never again. "
        "Store it like a password.",
        examples=["att_k3J9xQ2a7vW1mN0pLr5sT8uY4zB6cD2eF9gH3jK7lQ1"],
    )


class ApiTokenPage(Page[ApiTokenOut]):
    """A page of API tokens, oldest first."""
