"""Attacks on API tokens: anything but a live token's exact secret answers 401, and never 500."""

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, api_token, bearer, register
from tests.support import FrozenClock, assert_problem


@pytest.fixture
def user(client: TestClient) -> dict[str, Any]:
    return register(client)


@pytest.fixture
def made(client: TestClient, user: dict[str, Any]) -> dict[str, Any]:
    return api_token(client, user, "profile:read", expires_in_days=1)


def refused(client: TestClient, credential: str) -> None:
    header = f"Bearer {credential}".encode()
    response = client.get("/v1/me", headers={"Authorization": header})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def _flip_last(secret: str) -> str:
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")


@pytest.mark.parametrize(
    "forge",
    [
        _flip_last,
        lambda secret: secret[:-1],
        lambda secret: secret + "A",
        lambda secret: secret.upper(),
        lambda secret: secret[:12],
        lambda secret: "att_",
        lambda secret: "att_" + "A" * 43,
        lambda secret: "att_" + "é" * 43,
        lambda secret: "att_" + "A" * 5000,
        lambda secret: hashlib.sha256(secret.encode()).hexdigest(),  # the stored hash itself
    ],
    ids=[
        "tampered",
        "truncated",
        "extended",
        "case-changed",
        "prefix-only",
        "bare-prefix",
        "unknown",
        "non-ascii",
        "huge",
        "the-stored-hash",
    ],
)
def test_anything_but_the_exact_secret(
    client: TestClient, made: dict[str, Any], forge: Callable[[str], str]
) -> None:
    refused(client, forge(made["token"]))


def test_revoked(client: TestClient, user: dict[str, Any], made: dict[str, Any]) -> None:
    client.delete(f"/v1/tokens/{made['id']}", headers=bearer(user)).raise_for_status()
    refused(client, made["token"])


def test_expired(client: TestClient, made: dict[str, Any], clock: FrozenClock) -> None:
    clock.advance(timedelta(days=1))
    refused(client, made["token"])


def test_of_an_erased_account(
    client: TestClient, user: dict[str, Any], made: dict[str, Any]
) -> None:
    erase = client.request("DELETE", "/v1/me", json={"password": PASSWORD}, headers=bearer(user))
    assert erase.status_code == 204
    refused(client, made["token"])


def test_never_read_from_the_query_string(client: TestClient, made: dict[str, Any]) -> None:
    response = client.get("/v1/me", params={"access_token": made["token"]})
    assert_problem(response, 401)


def test_the_token_outlives_the_login_that_made_it(
    client: TestClient, user: dict[str, Any], made: dict[str, Any]
) -> None:
    """A token is a credential of its own: logging out of every session leaves it working,
    revoking it is how it ends."""
    client.post("/v1/auth/logout", json={"refresh_token": user["refresh_token"]})
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {made['token']}"}).is_success
