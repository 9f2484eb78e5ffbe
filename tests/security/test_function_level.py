"""OWASP API5:2023, broken function level authorization: every operation says which
credentials it takes and which scopes it needs (in the OpenAPI document), and holds to it.
Walks every operation, so new routes are covered without a line here."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.security.scopes import Scope
from tests.factories import api_token, bearer, register, token_bearer
from tests.security.routes import call, filled, operations, required_scopes, route_table
from tests.support import make_admin

USER, TOKEN = "OAuth2PasswordBearer", "APIToken"
# Made before there is a caller, or with a secret of their own instead.
ANONYMOUS = {
    ("POST", "/v1/auth/register"),
    ("POST", "/v1/auth/token"),
    ("POST", "/v1/auth/refresh"),
    ("POST", "/v1/auth/logout"),
    ("POST", "/v1/auth/password-reset"),
    ("POST", "/v1/auth/password-reset/confirm"),
    ("POST", "/v1/auth/email-verification/confirm"),
}


def forbidden_to_tokens(method: str, path: str) -> bool:
    """SPEC.md §7: tokens never reach /v1/auth/*, /v1/tokens, DELETE /v1/me."""
    return path.startswith(("/v1/auth/", "/v1/tokens")) or (method, path) == ("DELETE", "/v1/me")


Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    result: dict[str, Any] = client.get("/openapi.json").json()
    return result


@pytest.fixture
def v1(document: dict[str, Any]) -> list[Operation]:
    return [op for op in operations(document) if op[1].startswith("/v1/")]


@pytest.fixture
def admin(client: TestClient, database_url: str) -> dict[str, Any]:
    tokens = register(client)
    make_admin(database_url, tokens)
    return tokens


@pytest.fixture
def token_with(client: TestClient, admin: dict[str, Any]) -> Callable[[set[str]], dict[str, str]]:
    """The header of an admin's API token holding exactly these scopes (made once each)."""
    made: dict[frozenset[str], dict[str, str]] = {}

    def header(scopes: set[str]) -> dict[str, str]:
        key = frozenset(scopes)
        if key not in made:
            made[key] = token_bearer(api_token(client, admin, *sorted(scopes)))
        return made[key]

    return header


def send(client: TestClient, method: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
    body = {} if method in {"POST", "PUT", "PATCH", "DELETE"} else None
    return call(client, method, filled(path), headers=headers, json=body)


def failures(checks: Iterator[str | None]) -> list[str]:
    return [failure for failure in checks if failure]


def test_every_operation_declares_its_credentials(v1: list[Operation]) -> None:
    def check(method: str, path: str, operation: dict[str, Any]) -> str | None:
        user, token = required_scopes(operation, USER), required_scopes(operation, TOKEN)
        if (method, path) in ANONYMOUS:
            return None if user is None and token is None else f"{method} {path}: takes none"
        if user is None:
            return f"{method} {path}: declares no credentials"
        if token is not None and (not token or token != user):
            return f"{method} {path}: a token must need scopes, the same as a user's"
        listed = [r[TOKEN] for r in operation["security"] if TOKEN in r]
        if listed and listed != [[]]:
            return f"{method} {path}: the token's scopes are the user's, listed once"
        return None

    assert failures(check(*op) for op in v1) == []


def test_tokens_are_refused_where_the_spec_forbids_them(
    client: TestClient, v1: list[Operation], token_with: Callable[[set[str]], dict[str, str]]
) -> None:
    forbidden = [(m, p) for m, p, _ in v1 if forbidden_to_tokens(m, p)]
    assert len(forbidden) >= 12
    documented = {(m, p) for m, p, op in v1 if required_scopes(op, TOKEN) is None}
    assert set(forbidden) <= documented
    every_scope = token_with({scope.value for scope in Scope})
    refused = [send(client, method, path, every_scope)[0] for method, path in forbidden]
    assert refused == [403] * len(forbidden), list(zip(forbidden, refused, strict=True))


def test_operations_without_token_scopes_refuse_every_token(
    client: TestClient, v1: list[Operation], token_with: Callable[[set[str]], dict[str, str]]
) -> None:
    every_scope = token_with({scope.value for scope in Scope})

    def check(method: str, path: str, operation: dict[str, Any]) -> str | None:
        if required_scopes(operation, TOKEN) is not None or (method, path) in ANONYMOUS:
            return None
        status, body = send(client, method, path, every_scope)
        return None if status == 403 else f"{method} {path}: {status} {body}"

    assert failures(check(*op) for op in v1) == []


def test_a_token_without_a_scope_is_refused_naming_it(
    client: TestClient, v1: list[Operation], token_with: Callable[[set[str]], dict[str, str]]
) -> None:
    def check(method: str, path: str, operation: dict[str, Any]) -> Iterator[str | None]:
        for scope in required_scopes(operation, TOKEN) or []:
            lacking = token_with({s.value for s in Scope} - {scope})
            status, body = send(client, method, path, lacking)
            if status != 403 or f'"missing_scopes":["{scope}"]' not in body:
                yield f"{method} {path} without {scope}: {status} {body}"

    assert failures(failure for op in v1 for failure in check(*op)) == []


def test_a_token_with_the_scopes_is_let_through(
    client: TestClient, v1: list[Operation], token_with: Callable[[set[str]], dict[str, str]]
) -> None:
    def check(method: str, path: str, operation: dict[str, Any]) -> str | None:
        scopes = required_scopes(operation, TOKEN)
        if not scopes:
            return None
        status, body = send(client, method, path, token_with(set(scopes)))
        return f"{method} {path}: {status} {body}" if status in (401, 403) else None

    assert failures(check(*op) for op in v1) == []


def test_content_management_is_for_admins(
    client: TestClient, v1: list[Operation], admin: dict[str, Any]
) -> None:
    managing = [
        (m, p) for m, p, op in v1 if Scope.content_write in (required_scopes(op, USER) or [])
    ]
    assert len(managing) == 8
    user = bearer(register(client))
    for method, path in managing:
        status, body = send(client, method, path, user)
        assert status == 403 and '"missing_scopes":["content:write"]' in body, (method, path)
        assert send(client, method, path, bearer(admin))[0] not in (401, 403), (method, path)


def test_every_route_outside_the_document_is_public(
    client: TestClient, document: dict[str, Any]
) -> None:
    """Routes left out of the document (docs pages, metrics) carry no data of anyone's."""
    documented = {(method, path) for method, path, _ in operations(document)}
    hidden = route_table(client.app) - documented
    assert {path for _, path in hidden} == {
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/docs-assets/{name}",
        "/metrics",
    }
