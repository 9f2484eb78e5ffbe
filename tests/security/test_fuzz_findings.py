"""What the fuzzer (tests/security/test_fuzz.py) found, pinned down one by one so that each
fix stays fixed however the fuzzer's search changes."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import bearer, make_couple, register, today
from tests.support import assert_problem

JSON = {"content-type": "application/json"}


@pytest.fixture
def user(client: TestClient) -> dict[str, Any]:
    return register(client)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/v1/me", "DELETE, GET, PATCH"),
        ("/v1/couple/invite", "DELETE, GET, POST"),
        ("/v1/assignments/x/answer", "DELETE, PUT"),
    ],
)
def test_405_names_every_method_of_the_path(
    client: TestClient, user: dict[str, Any], path: str, allowed: str
) -> None:
    """Starlette named only the methods of the first route matching the path."""
    response = client.options(path, headers=bearer(user))
    assert_problem(response, 405)
    assert response.headers["allow"] == allowed


def test_a_body_that_is_not_utf8_is_422_like_any_bad_body(
    client: TestClient, user: dict[str, Any]
) -> None:
    """It was an undocumented 400 with the detail "Error."."""
    body = b'{"refresh_token": "\xff\xfe"}'
    response = client.post("/v1/auth/refresh", content=body, headers=JSON)
    assert assert_problem(response, 422)["errors"] == [
        {"loc": ["body"], "msg": "could not be read"}
    ]


@pytest.mark.parametrize("path", ["/v1/auth/password-reset", "/v1/auth/email-verification"])
def test_202_answers_are_documented_without_a_body(client: TestClient, path: str) -> None:
    """They were documented as JSON, and sent nothing."""
    document = client.get("/openapi.json").json()
    assert "content" not in document["paths"][path]["post"]["responses"]["202"]


class TestNul:
    """PostgreSQL answered a NUL character anywhere in a query with a 500."""

    def test_in_a_json_body(self, client: TestClient, user: dict[str, Any]) -> None:
        response = client.post("/v1/couple/join", json={"code": "AB\x00"}, headers=bearer(user))
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body"]

    def test_in_a_form(self, client: TestClient) -> None:
        response = client.post("/v1/auth/token", data={"username": "a\x00@b.c", "password": "x"})
        assert_problem(response, 422)

    def test_in_the_path_or_the_query(self, client: TestClient, user: dict[str, Any]) -> None:
        assert_problem(client.get("/v1/assignments/a%00b", headers=bearer(user)), 422)
        response = client.get("/v1/exercises?theme=a%00", headers=bearer(user))
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["query"]

    def test_in_a_forged_cursor(self, client: TestClient, user: dict[str, Any]) -> None:
        forged = "WyIyMDI2LTAxLTAxIiwiYVx1MDAwMCJd"  # ["2026-01-01","a\u0000"]
        response = client.get(f"/v1/assignments?cursor={forged}", headers=bearer(user))
        assert_problem(response, 422)

    def test_an_escaped_backslash_is_only_text(
        self, client: TestClient, user: dict[str, Any]
    ) -> None:
        body = b'{"display_name": "back\\\\u0000slash"}'
        response = client.patch("/v1/me", content=body, headers=bearer(user) | JSON)
        assert response.status_code == 200
        assert response.json()["display_name"] == "back\\u0000slash"


@pytest.mark.parametrize("value", ["0", "20260101", "2026-1-1", "1700000000"])
def test_dates_are_only_yyyy_mm_dd(client: TestClient, user: dict[str, Any], value: str) -> None:
    """`to=0` was read as a Unix time: 1970-01-01."""
    response = client.get("/v1/checkins", params={"to": value}, headers=bearer(user))
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["query", "to"]


def test_an_idempotent_retry_must_ask_for_the_same_language(
    client: TestClient, content: None
) -> None:
    """A retry with the key of a valid request, but an invalid Accept-Language, got the
    remembered 201 instead of its 422."""
    inviter, _ = make_couple(client)
    exercise_id = today(client, inviter)["exercise"]["id"]
    headers = bearer(inviter) | {"Idempotency-Key": "k-1", "Accept-Language": "es"}
    body = {"exercise_id": exercise_id}
    first = client.post("/v1/assignments", json=body, headers=headers)
    assert first.status_code == 201
    assert client.post("/v1/assignments", json=body, headers=headers).json() == first.json()
    for language in ("en", "x" * 513):
        retry = client.post(
            "/v1/assignments", json=body, headers=headers | {"Accept-Language": language}
        )
        assert_problem(retry, 422)


def test_the_first_day_there_is_is_a_date_like_any(
    client: TestClient, user: dict[str, Any]
) -> None:
    """`to=0001-01-01` was a 500: the 30 days before it overflowed."""
    response = client.get("/v1/checkins", params={"to": "0001-01-01"}, headers=bearer(user))
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}
