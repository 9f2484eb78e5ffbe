"""Session checks answered from memory (SPEC.md §7), in one process: every revocation and every
profile change takes effect on the next request although the session was held in memory, and
a revocation nobody announced (written straight into the database) holds no longer than the
re-check interval. Across two processes: tests/concurrency/test_session_revocation.py."""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.factories import (
    PASSWORD,
    api_token,
    bearer,
    login,
    make_couple,
    register,
    token_bearer,
)
from tests.mailbox import Mailbox
from tests.support import FrozenClock, held_in_memory, kept_engine, revoke_unannounced

pytestmark = pytest.mark.usefixtures("content")

RECHECK_SECONDS = 1.5


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"session_recheck_seconds": RECHECK_SECONDS}


def test_a_revocation_nobody_announced_holds_no_longer_than_the_recheck(
    client: TestClient, app: FastAPI, database_url: str
) -> None:
    held_in_memory(client, app, bearer(register(client)))  # the feed listens
    tokens = register(client)
    checked = time.monotonic()
    assert client.get("/v1/me", headers=bearer(tokens)).status_code == 200  # remembered
    revoke_unannounced(database_url, tokens)
    # This process was not told; the background check (every half interval) finds it.
    while client.get("/v1/me", headers=bearer(tokens)).status_code == 200:
        assert time.monotonic() - checked < RECHECK_SECONDS + 1, "still live past the recheck"
        time.sleep(0.05)
    assert client.get("/v1/today", headers=bearer(tokens)).status_code == 401


def test_a_profile_change_nobody_announced_shows_within_the_recheck(
    client: TestClient, app: FastAPI, database_url: str
) -> None:
    # The background check compares the user row it reads with the one held: a change no
    # process was told of is served no longer than the re-check interval.
    tokens = register(client)
    held_in_memory(client, app, bearer(tokens))
    with kept_engine(database_url).begin() as connection:
        connection.execute(
            text("UPDATE user_account SET display_name = 'Renamed' WHERE id = :id"),
            {"id": tokens["user"]["id"]},
        )
    changed = time.monotonic()
    while client.get("/v1/me", headers=bearer(tokens)).json()["display_name"] != "Renamed":
        assert time.monotonic() - changed < RECHECK_SECONDS + 1, "still the old name"
        time.sleep(0.05)


@pytest.mark.parametrize("settings_overrides", [{"session_recheck_seconds": 0}])
def test_a_setting_of_zero_checks_the_database_every_time(
    client: TestClient, database_url: str
) -> None:
    tokens = register(client)
    assert client.get("/v1/me", headers=bearer(tokens)).status_code == 200
    revoke_unannounced(database_url, tokens)
    assert client.get("/v1/me", headers=bearer(tokens)).status_code == 401


def _logout(client: TestClient, tokens: dict[str, Any], _: Mailbox, __: FrozenClock) -> None:
    response = client.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 204


def _other_device_changes_password(
    client: TestClient, tokens: dict[str, Any], _: Mailbox, __: FrozenClock
) -> None:
    other = login(client, tokens["user"]["email"]).json()
    body = {"current_password": PASSWORD, "new_password": "an entirely new passphrase"}
    response = client.post("/v1/auth/password", json=body, headers=bearer(other))
    assert response.status_code == 204
    assert client.get("/v1/me", headers=bearer(other)).status_code == 200  # kept


def _password_reset(
    client: TestClient, tokens: dict[str, Any], mailbox: Mailbox, _: FrozenClock
) -> None:
    email = tokens["user"]["email"]
    assert client.post("/v1/auth/password-reset", json={"email": email}).status_code == 202
    body = {"token": mailbox.last_token(email, "reset"), "new_password": "remembered at last"}
    assert client.post("/v1/auth/password-reset/confirm", json=body).status_code == 204


def _refresh_reused(
    client: TestClient, tokens: dict[str, Any], _: Mailbox, clock: FrozenClock
) -> None:
    old = tokens["refresh_token"]
    renewed = client.post("/v1/auth/refresh", json={"refresh_token": old})
    assert renewed.status_code == 200
    tokens["access_token"] = renewed.json()["access_token"]  # the new pair, held too
    assert client.get("/v1/me", headers=bearer(tokens)).status_code == 200
    clock.advance(timedelta(seconds=31))  # past the grace window: the reuse of a leak
    assert client.post("/v1/auth/refresh", json={"refresh_token": old}).status_code == 401


def _account_erased(
    client: TestClient, tokens: dict[str, Any], _: Mailbox, __: FrozenClock
) -> None:
    response = client.request(
        "DELETE", "/v1/me", json={"password": PASSWORD}, headers=bearer(tokens)
    )
    assert response.status_code == 204


REVOCATIONS: list[Callable[[TestClient, dict[str, Any], Mailbox, FrozenClock], None]] = [
    _logout,
    _other_device_changes_password,
    _password_reset,
    _refresh_reused,
    _account_erased,
]


@pytest.mark.parametrize("revoke", REVOCATIONS, ids=lambda f: f.__name__.strip("_"))
def test_every_revocation_ends_a_session_held_in_memory(
    client: TestClient,
    app: FastAPI,
    mailbox: Mailbox,
    clock: FrozenClock,
    revoke: Callable[[TestClient, dict[str, Any], Mailbox, FrozenClock], None],
) -> None:
    tokens = register(client)
    held_in_memory(client, app, bearer(tokens))
    revoke(client, tokens, mailbox, clock)
    for path in ("/v1/me", "/v1/today", "/v1/sync"):
        assert client.get(path, headers=bearer(tokens)).status_code == 401, path


def test_a_revoked_api_token_stops_at_once(client: TestClient, app: FastAPI) -> None:
    tokens = register(client)
    made = api_token(client, tokens, "profile:read")
    held_in_memory(client, app, token_bearer(made))
    response = client.delete(f"/v1/tokens/{made['id']}", headers=bearer(tokens))
    assert response.status_code == 204
    assert client.get("/v1/me", headers=token_bearer(made)).status_code == 401


def test_a_password_reset_ends_api_tokens_held_in_memory(
    client: TestClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
) -> None:
    tokens = register(client)
    made = api_token(client, tokens, "profile:read")
    held_in_memory(client, app, token_bearer(made))
    _password_reset(client, tokens, mailbox, clock)
    assert client.get("/v1/me", headers=token_bearer(made)).status_code == 401


def test_unlinking_shows_at_once_to_both(client: TestClient, app: FastAPI) -> None:
    a, b = make_couple(client)
    for person in (a, b):
        held_in_memory(client, app, bearer(person))
        assert client.get("/v1/couple", headers=bearer(person)).status_code == 200
    assert client.delete("/v1/couple", headers=bearer(a)).status_code == 204
    for person in (a, b):
        assert client.get("/v1/couple", headers=bearer(person)).status_code == 404
        assert client.get("/v1/me", headers=bearer(person)).json()["couple_id"] is None
        seen = client.get("/v1/today", headers=bearer(person))
        assert seen.status_code == 200, seen.text
        assert seen.json()["kind"] == "solo"


def test_linking_and_profile_changes_show_at_once(client: TestClient, app: FastAPI) -> None:
    a, b = register(client), register(client)
    for person in (a, b):
        held_in_memory(client, app, bearer(person))
    code = client.post("/v1/couple/invite", headers=bearer(a)).json()["code"]
    joined = client.post("/v1/couple/join", json={"code": code}, headers=bearer(b))
    assert joined.status_code == 201
    for person in (a, b):
        assert (
            client.get("/v1/me", headers=bearer(person)).json()["couple_id"]
            == (joined.json()["id"])
        )
    client.patch("/v1/me", json={"display_name": "Robin"}, headers=bearer(a))
    assert client.get("/v1/me", headers=bearer(a)).json()["display_name"] == "Robin"
    partner = client.get("/v1/couple", headers=bearer(b)).json()["partner"]
    assert partner["display_name"] == "Robin"


def test_couple_settings_show_at_once(client: TestClient, app: FastAPI) -> None:
    a, b = make_couple(client)
    held_in_memory(client, app, bearer(b))
    assert client.get("/v1/couple", headers=bearer(b)).json()["day_starts_at"] == "04:00"
    client.patch("/v1/couple", json={"day_starts_at": "06:00"}, headers=bearer(a))
    assert client.get("/v1/couple", headers=bearer(b)).json()["day_starts_at"] == "06:00"
