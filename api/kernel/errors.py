"""Every error the API answers, as RFC 9457 problem details, from one set of handlers."""

import logging
import re
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.kernel.request_context import current_request_id

log = logging.getLogger("api.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:attune:problem:"


class FieldError(BaseModel):
    # Strings only, list positions too ("0"): one element type that every client language
    # decodes, where a mixed string-or-integer array defeats Swift's and Kotlin's generators.
    loc: list[str] = Field(
        description='Where the bad value is, e.g. ["body", "email"] or ["body", "mutations", '
        '"0", "id"]: the part of the request, then field names and list positions.'
    )
    msg: str = Field(description="What is wrong with it. Never repeats the submitted value.")


# Documentation only: the handlers below write the bodies. No `extra="allow"`: a body that
# carries more than these four members has a schema of its own (ValidationProblem,
# ScopeProblem, StaleAnswerProblem), and `additionalProperties: true` makes generators model a
# problem as a map (a Kotlin HashMap superclass that kotlinx-serialization cannot compile).
class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field(
        description="A URN naming the kind of problem; stable, to branch on.",
        examples=["urn:attune:problem:not-found"],
    )
    title: str = Field(description="The kind of problem, for people.", examples=["Not found"])
    status: int = Field(description="The HTTP status code.", examples=[404])
    detail: str = Field(
        description="What went wrong this time, for people.", examples=["No such assignment."]
    )


class ValidationProblem(Problem):
    """A 422: the request is not valid; `errors` lists each bad field."""

    errors: list[FieldError] = Field(description="One entry per bad field.")


def locate(loc: Sequence[str | int]) -> list[str]:
    """A FieldError's `loc`: list positions as strings."""
    return [str(part) for part in loc]


class AppError(Exception):
    status: int = 500
    title: str = "Internal server error"
    slug: str = "internal"

    def __init__(
        self,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


class BadRequest(AppError):
    status, title, slug = 400, "Bad request", "bad-request"


class Unauthorized(AppError):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str, *, invalid_token: bool = False) -> None:
        challenge = 'Bearer error="invalid_token"' if invalid_token else "Bearer"
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class Forbidden(AppError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(AppError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(AppError):
    status, title, slug = 409, "Conflict", "conflict"


class Gone(AppError):
    status, title, slug = 410, "Gone", "gone"


class PreconditionFailed(AppError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class Unprocessable(AppError):
    status, title, slug = 422, "Unprocessable content", "validation"

    def __init__(self, detail: str, *, loc: list[str | int] | None = None) -> None:
        # Every 422 carries `errors` (ValidationProblem), at least the request as a whole.
        errors = [{"loc": locate(loc or ["request"]), "msg": detail}]
        super().__init__(detail, extra={"errors": errors})


class RateLimited(AppError):
    status, title, slug = 429, "Too many requests", "rate-limited"

    def __init__(self, retry_after: int, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(
            f"Too many requests; try again in {retry_after} seconds.",
            headers={**(headers or {}), "Retry-After": str(retry_after)},
        )


class ServiceUnavailable(AppError):
    status, title, slug = 503, "Service unavailable", "unavailable"


# Errors raised by routing itself (no route, wrong method) and by the server's limits.
_HTTP_PROBLEMS = {
    404: ("Not found", "not-found", "No such path; the API's paths are listed at /docs."),
    405: ("Method not allowed", "method-not-allowed", "See the Allow header for what works here."),
    413: ("Content too large", "too-large", "The request body is larger than allowed."),
}


def problem_response(
    status: int,
    title: str,
    slug: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body = {"type": PROBLEM_TYPE_BASE + slug, "title": title, "status": status, "detail": detail}
    body.update(extra or {})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def http_problem(status: int, *, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The answer to an error of routing or of the server's limits (404, 405, 413)."""
    title, slug, detail = _HTTP_PROBLEMS.get(status, ("Error", "http-error", "Error."))
    return problem_response(status, title, slug, detail, headers=headers)


# How every field of the API is named.
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


def field_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors as `errors` entries that name the field and what it takes, and never
    repeat what was sent: `input` and `ctx` are dropped, and so is every part of a message or
    a location that pydantic fills in from the input."""
    return [_field_error(error) for error in errors]


def _field_error(error: Mapping[str, Any]) -> dict[str, Any]:
    loc, msg, ctx = list(error["loc"]), str(error["msg"]), error.get("ctx") or {}
    if error["type"] == "union_tag_invalid":
        # "Input tag 'X' found using 'type' does not match ...": the tag is the input.
        loc.append(str(ctx["discriminator"]).strip("'"))
        msg = f"must be one of {ctx['expected_tags']}"
    elif error["type"] == "extra_forbidden" and not _FIELD_NAME.fullmatch(str(loc[-1])):
        # The unknown field's name is the client's, named back only when shaped like the API's
        # own (a misspelt or server-owned field): anything else may be data sent as a key.
        loc, msg = loc[:-1], "has a field this operation does not take"
    elif "reason" in ctx:  # the email validator's explanation quotes the address
        msg = msg.split(":", 1)[0]
    elif "error" in ctx and error["type"] != "value_error":
        # A parser's explanation ("found `z` at 0"); value errors are our validators' own words.
        msg = msg.split(",", 1)[0]
    sent = error.get("input")
    if isinstance(sent, str) and len(sent) >= 4 and sent in msg:  # anything missed above
        msg = "is not valid"
    return {"loc": locate(loc), "msg": msg}


async def _on_app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(
        exc.status, exc.title, exc.slug, exc.detail, headers=exc.headers, extra=exc.extra
    )


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problem_response(
        422,
        "Unprocessable content",
        "validation",
        "The request is not valid; see `errors`.",
        extra={"errors": field_errors(exc.errors())},
    )


def _allowed_methods(request: Request) -> str:
    """Every method the path answers. Starlette's 405 names only those of the first route
    that matched the path, when a path has one route per method."""
    methods = {
        method
        for route in iter_route_contexts(request.app.routes)
        if route.matches(request.scope)[0] is not Match.NONE
        for method in route.methods or ()
    }
    return ", ".join(sorted(methods))


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # The framework could not read the body at all (not UTF-8, a broken form): bad input
        # like any other, so the same 422 a malformed JSON body gets.
        return problem_response(
            422,
            "Unprocessable content",
            "validation",
            "The body could not be read; send it in UTF-8, as the operation documents.",
            extra={"errors": [{"loc": ["body"], "msg": "could not be read"}]},
        )
    if exc.status_code == 405:
        return http_problem(405, headers={"Allow": _allowed_methods(request)})
    return http_problem(exc.status_code, headers=exc.headers)


async def _on_unhandled(request: Request, exc: Exception) -> JSONResponse:
    request_id = current_request_id()
    log.exception("unhandled error", extra={"request_id": request_id})
    response = _internal_error(request_id)
    # Sent from outside every middleware, so the request id header is set here.
    response.headers["X-Request-ID"] = request_id
    return response


def _internal_error(request_id: str) -> JSONResponse:
    return problem_response(
        500,
        "Internal server error",
        "internal",
        f"Something went wrong on our side. Request id: {request_id}.",
    )


async def _on_invalid_data(request: Request, exc: Exception) -> JSONResponse:
    """Data that did not fit its schema on the way out (a bug): a 500 like any other, but
    logged by where and why only, since pydantic's errors quote the values, people's words.
    Handled here rather than as unhandled, where the server would log the whole message."""
    assert isinstance(exc, ResponseValidationError | ValidationError)
    request_id = current_request_id()
    log.error(
        "data did not fit its schema",
        extra={
            "request_id": request_id,
            "errors": [{"loc": list(e["loc"]), "type": e["type"]} for e in exc.errors()],
            "where": "".join(traceback.format_tb(exc.__traceback__)),
        },
    )
    return _internal_error(request_id)


async def _on_integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # A uniqueness race that no lock covered: the other request won; retrying is safe.
    log.warning("integrity conflict", extra={"request_id": current_request_id()})
    return problem_response(
        409, "Conflict", "conflict", "This conflicts with a change made at the same moment."
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _on_app_error)
    app.add_exception_handler(IntegrityError, _on_integrity_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(ResponseValidationError, _on_invalid_data)
    app.add_exception_handler(ValidationError, _on_invalid_data)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unhandled)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry documenting a route's error answers with the Problem schema."""
    described = {
        400: "The request cannot be carried out as sent.",
        401: "Missing, expired or invalid credentials.",
        403: "Authenticated, but not allowed to do this.",
        404: "No such resource for the caller.",
        409: "Conflicts with the current state.",
        410: "No longer available.",
        412: "The resource changed since the version given in If-Match.",
        422: "Invalid input; `errors` lists each bad field.",
        429: "Rate limited; `Retry-After` says when to try again.",
        503: "Not ready to serve.",
    }
    return {
        status: {
            "model": ValidationProblem if status == 422 else Problem,
            "description": described[status],
        }
        for status in statuses
    }
