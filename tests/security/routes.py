"""The app's route table and its OpenAPI operations, for the tests that must cover every route."""

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

OPERATION_METHODS = ("get", "put", "post", "patch", "delete")


def route_table(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path template) the app answers; HEAD is GET's twin and left out."""
    return {
        # The template as documented: `{month}`, not the `{month:month}` it is routed by.
        (method, context.path_format)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        for method in context.methods or ()
        if method != "HEAD"
    }


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every operation in an OpenAPI document."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in OPERATION_METHODS:
                yield method.upper(), path, operation


USER_SCHEME = "OAuth2PasswordBearer"


def required_scopes(operation: dict[str, Any], scheme: str) -> list[str] | None:
    """The scopes `operation` needs under the security scheme, or None when it does not take
    it. An API token's requirement lists no scopes of its own (OpenAPI tools take scopes for
    OAuth2 schemes only): it needs those of the signed-in user's requirement beside it, as the
    document's overview says."""
    for requirement in operation.get("security", []):
        if scheme in requirement:
            scopes: list[str] = requirement[scheme]
            if not scopes and scheme != USER_SCHEME:
                return required_scopes(operation, USER_SCHEME)
            return scopes
    return None


def call(client: TestClient, method: str, url: str, **request: Any) -> tuple[int, str]:
    """Send a request and read its answer: of an event stream, which never ends on its own,
    the first event."""
    with client.stream(method, url, **request) as response:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            return response.status_code, next(response.iter_text(), "")
        return response.status_code, response.read().decode(errors="replace")


# Parameters that route only when shaped so (a month: api/routers/pulse.py).
SHAPED_PARAMETERS = {"month": "2026-01"}


def filled(path: str, value: str = "x") -> str:
    """A path template with every parameter set to `value` (or a value of its shape)."""
    return re.sub(r"\{([^}]+)\}", lambda found: SHAPED_PARAMETERS.get(found[1], value), path)
