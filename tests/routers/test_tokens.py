"""SPEC.md §7 through HTTP: API tokens are made, listed and revoked by the signed-in user, act
for them within their scopes, expire, and record their last use without a write per request."""

import hashlib
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text

from api.services.accounts.tokens import MAX_LIVE_TOKENS
from tests.factories import (
    PASSWORD,
    api_token,
    bearer,
    make_couple,
    register,
    renewed,
    token_bearer,
)
from tests.support import FrozenClock, assert_problem, make_admin

SECRET = re.compile(r"^att_[A-Za-z0-9_-]{43}$")


@pytest.fixture
def user(client: TestClient) -> dict[str, Any]:
    return register(client)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


class TestCreate:
    def test_secret_is_shown_once_and_only_its_hash_is_stored(
        self, client: TestClient, user: dict[str, Any], engine: Engine
    ) -> None:
        made = api_token(client, user, "answers:read", "profile:read", name="Journal")
        assert SECRET.match(made["token"])
        assert made["prefix"] == made["token"][:12]
        assert made["scopes"] == ["answers:read", "profile:read"]
        assert made["name"] == "Journal" and made["last_used_at"] is None
        with engine.connect() as db:
            stored = db.execute(text("SELECT * FROM api_token")).mappings().one()
        assert made["token"] not in str(dict(stored))
        assert stored["token_hash"] == hashlib.sha256(made["token"].encode()).hexdigest()
        listed = client.get("/v1/tokens", headers=bearer(user)).json()["items"]
        assert "token" not in listed[0] and made["token"] not in str(listed)

    def test_acts_for_its_user(self, client: TestClient, user: dict[str, Any]) -> None:
        made = api_token(client, user, "profile:read")
        me = client.get("/v1/me", headers=token_bearer(made))
        assert me.status_code == 200
        assert me.json()["id"] == user["user"]["id"]

    def test_expires_after_the_days_asked(
        self, client: TestClient, user: dict[str, Any], clock: FrozenClock
    ) -> None:
        made = api_token(client, user, "profile:read", expires_in_days=2)
        assert made["expires_at"] == (clock.now() + timedelta(days=2)).isoformat()[:19] + "Z"
        clock.advance(timedelta(days=2, seconds=-1))
        assert client.get("/v1/me", headers=token_bearer(made)).status_code == 200
        clock.advance(timedelta(seconds=1))
        response = client.get("/v1/me", headers=token_bearer(made))
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'

    def test_ninety_days_by_default(
        self, client: TestClient, user: dict[str, Any], clock: FrozenClock
    ) -> None:
        made = api_token(client, user, "profile:read")
        assert made["expires_at"] == (clock.now() + timedelta(days=90)).isoformat()[:19] + "Z"

    @pytest.mark.parametrize(
        "body",
        [
            {"name": "x", "scopes": []},
            {"name": "x", "scopes": ["answers:read", "answers:read"]},
            {"name": "x", "scopes": ["everything"]},
            {"name": "", "scopes": ["profile:read"]},
            {"name": " ", "scopes": ["profile:read"]},
            {"name": "x" * 81, "scopes": ["profile:read"]},
            {"name": "x", "scopes": ["profile:read"], "expires_in_days": 0},
            {"name": "x", "scopes": ["profile:read"], "expires_in_days": 366},
            {"name": "x", "scopes": ["profile:read"], "prefix": "att_mine"},
        ],
    )
    def test_invalid_bodies(
        self, client: TestClient, user: dict[str, Any], body: dict[str, Any]
    ) -> None:
        assert_problem(client.post("/v1/tokens", json=body, headers=bearer(user)), 422)

    def test_content_write_is_for_admins(
        self, client: TestClient, user: dict[str, Any], database_url: str
    ) -> None:
        body = {"name": "Publisher", "scopes": ["content:write"]}
        refused = client.post("/v1/tokens", json=body, headers=bearer(user))
        assert "content:write" in assert_problem(refused, 403)["detail"]
        make_admin(database_url, user)
        assert api_token(client, user, "content:write")["scopes"] == ["content:write"]

    def test_a_limited_number_of_live_tokens(
        self, client: TestClient, user: dict[str, Any], clock: FrozenClock
    ) -> None:
        for _ in range(MAX_LIVE_TOKENS - 1):
            api_token(client, user, "profile:read", expires_in_days=1)
        api_token(client, user, "profile:read", expires_in_days=2)
        body = {"name": "One too many", "scopes": ["profile:read"]}
        assert_problem(client.post("/v1/tokens", json=body, headers=bearer(user)), 409)
        clock.advance(timedelta(days=1))  # all but one expired: room again
        api_token(client, renewed(client, user), "profile:read")


class TestListAndRevoke:
    def test_lists_only_the_callers_tokens_oldest_first(
        self, client: TestClient, user: dict[str, Any], clock: FrozenClock
    ) -> None:
        first = api_token(client, user, "profile:read", name="First")
        clock.advance(timedelta(seconds=1))
        second = api_token(client, user, "couple:read", name="Second")
        api_token(client, register(client), "profile:read", name="Someone else's")
        page = client.get("/v1/tokens", params={"limit": 1}, headers=bearer(user)).json()
        assert [t["id"] for t in page["items"]] == [first["id"]]
        rest = client.get(
            "/v1/tokens", params={"cursor": page["next_cursor"]}, headers=bearer(user)
        ).json()
        assert [t["id"] for t in rest["items"]] == [second["id"]]
        assert rest["next_cursor"] is None

    def test_revoked_token_stops_working_at_once(
        self, client: TestClient, user: dict[str, Any]
    ) -> None:
        made = api_token(client, user, "profile:read")
        revoked = client.delete(f"/v1/tokens/{made['id']}", headers=bearer(user))
        assert revoked.status_code == 204
        assert_problem(client.get("/v1/me", headers=token_bearer(made)), 401)
        assert client.get("/v1/tokens", headers=bearer(user)).json()["items"] == []
        again = client.delete(f"/v1/tokens/{made['id']}", headers=bearer(user))
        assert_problem(again, 404)

    def test_nobody_revokes_anothers_token(self, client: TestClient, user: dict[str, Any]) -> None:
        made = api_token(client, user, "profile:read")
        stranger = register(client)
        assert_problem(client.delete(f"/v1/tokens/{made['id']}", headers=bearer(stranger)), 404)
        assert client.get("/v1/me", headers=token_bearer(made)).status_code == 200

    def test_erasing_the_account_erases_its_tokens(
        self, client: TestClient, user: dict[str, Any], engine: Engine
    ) -> None:
        made = api_token(client, user, "profile:read")
        erased = client.request(
            "DELETE", "/v1/me", json={"password": PASSWORD}, headers=bearer(user)
        )
        assert erased.status_code == 204
        assert_problem(client.get("/v1/me", headers=token_bearer(made)), 401)
        with engine.connect() as db:
            assert db.execute(text("SELECT count(*) FROM api_token")).scalar() == 0


class TestScopes:
    def test_a_call_outside_the_scopes_names_the_missing_one(self, client: TestClient) -> None:
        inviter, _ = make_couple(client)
        made = api_token(client, inviter, "profile:read")
        problem = assert_problem(client.get("/v1/couple", headers=token_bearer(made)), 403)
        assert "couple:read" in problem["detail"]
        assert problem["missing_scopes"] == ["couple:read"]

    def test_within_its_scopes_it_works_like_the_user(self, client: TestClient) -> None:
        inviter, _ = make_couple(client)
        made = api_token(client, inviter, "couple:read", "checkins:write")
        couple = client.get("/v1/couple", headers=token_bearer(made))
        assert couple.json() == client.get("/v1/couple", headers=bearer(inviter)).json()
        checkin = client.post("/v1/checkins", json={"mood": 4}, headers=token_bearer(made))
        assert checkin.status_code == 201
        assert checkin.json()["user_id"] == inviter["user"]["id"]

    def test_an_admins_token_loses_content_write_with_the_role(
        self, client: TestClient, user: dict[str, Any], database_url: str, engine: Engine
    ) -> None:
        make_admin(database_url, user)
        made = api_token(client, user, "content:write")
        headers = token_bearer(made)
        theme = {"slug": "new-theme", "title": "New", "description": "A theme."}
        with engine.begin() as db:
            db.execute(text("UPDATE user_account SET is_admin = false"))
        problem = assert_problem(client.post("/v1/themes", json=theme, headers=headers), 403)
        assert problem["missing_scopes"] == ["content:write"]


class TestLastUsed:
    @pytest.fixture
    def token_writes(self, app: FastAPI) -> Iterator[list[str]]:
        """The UPDATEs of api_token the app sends."""
        writes: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            if statement.lstrip().upper().startswith("UPDATE API_TOKEN"):
                writes.append(statement)

        engine = app.state.runtime.database.writer
        event.listen(engine, "before_cursor_execute", record)
        yield writes
        event.remove(engine, "before_cursor_execute", record)

    def test_written_at_most_once_a_minute(
        self,
        client: TestClient,
        user: dict[str, Any],
        clock: FrozenClock,
        token_writes: list[str],
    ) -> None:
        made = api_token(client, user, "profile:read")
        first_use = clock.now()
        for _ in range(5):
            assert client.get("/v1/me", headers=token_bearer(made)).status_code == 200
            clock.advance(timedelta(seconds=10))
        assert len(token_writes) == 1
        listed = client.get("/v1/tokens", headers=bearer(user)).json()["items"][0]
        assert listed["last_used_at"] == first_use.isoformat()[:19] + "Z"
        clock.advance(timedelta(seconds=10))  # a minute after the first use
        client.get("/v1/me", headers=token_bearer(made))
        assert len(token_writes) == 2
        listed = client.get("/v1/tokens", headers=bearer(user)).json()["items"][0]
        assert listed["last_used_at"] == clock.now().isoformat()[:19] + "Z"

    def test_a_refused_call_is_still_a_use(
        self, client: TestClient, user: dict[str, Any], token_writes: list[str]
    ) -> None:
        made = api_token(client, user, "profile:read")
        assert_problem(client.get("/v1/couple", headers=token_bearer(made)), 403)
        assert len(token_writes) == 1
