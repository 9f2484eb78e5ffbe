"""What test modules share besides the factories: a clock the tests move, checks of problem
answers, the sync client, walking paginated lists, counting statements, admin rights and
revocations written straight into the database, and an SSE stream read through a real server.
Test modules import from here (and tests/factories.py), never from each other."""

import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jose import jwt
from sqlalchemy import create_engine, event, text, update
from sqlmodel import Session

from api.clock import Clock
from api.models import User
from tests.factories import bearer, make_couple

PROBLEM = "application/problem+json"


class FrozenClock(Clock):
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    return body


def walk(client: TestClient, headers: dict[str, str], path: str, **params: Any) -> list[Any]:
    """Every item of a paginated list, following `next_cursor` to the end."""
    items: list[Any] = []
    cursor = None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        response = client.get(path, headers=headers, params=query)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items


def pull(
    client: TestClient, tokens: dict[str, Any], cursor: str | None = None, **params: Any
) -> dict[str, Any]:
    query = params | ({"cursor": cursor} if cursor else {})
    response = client.get("/v1/sync", params=query, headers=bearer(tokens))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


def pull_all(
    client: TestClient, tokens: dict[str, Any], cursor: str | None = None, limit: int = 100
) -> tuple[list[dict[str, Any]], str]:
    changes: list[dict[str, Any]] = []
    while True:
        page = pull(client, tokens, cursor, limit=limit)
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes, cursor


def push(
    client: TestClient, tokens: dict[str, Any], *mutations: dict[str, Any]
) -> list[dict[str, Any]]:
    response = client.post("/v1/sync", json={"mutations": list(mutations)}, headers=bearer(tokens))
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def replay(
    changes: list[dict[str, Any]], state: dict[tuple[str, str], Any] | None = None
) -> dict[tuple[str, str], Any]:
    """What a client holds after applying the changes in order."""
    state = dict(state or {})
    for change in changes:
        key = (change["entity"], change["id"])
        if change["op"] == "delete":
            state.pop(key, None)
        else:
            state[key] = change["data"]
    return state


def count_statements(app: FastAPI, action: Callable[[], object]) -> int:
    """How many SQL statements `action` sends to the app's database."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = app.state.runtime.database.reader
    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def make_admin(database_url: str, tokens: dict[str, Any]) -> None:
    """What `python -m api create-admin` does: there is no API for it."""
    engine = create_engine(database_url)
    with Session(engine) as db:
        db.execute(update(User).where(User.id == tokens["user"]["id"]).values(is_admin=True))
        db.commit()
    engine.dispose()


def revoke_unannounced(database_url: str, tokens: dict[str, Any]) -> None:
    """Revoke a login in the database itself, telling no process (a lost notification)."""
    session_id = jwt.get_unverified_claims(tokens["access_token"])["sid"]
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE auth_session SET revoked_at = :now WHERE id = :id"),
            {"now": datetime.now(UTC), "id": session_id},
        )
    engine.dispose()


def couple_through(base_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A linked couple made through a real server at `base_url`: (inviter, joiner)."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        return make_couple(http)


class Stream:
    """An SSE stream read on a thread: `next_event()` waits for the next `change` event."""

    def __init__(self, base_url: str, token: str, last_event_id: str | None = None) -> None:
        self.events: queue.Queue[dict[str, str]] = queue.Queue()
        headers = {"Authorization": f"Bearer {token}"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self._client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(5, read=60))
        self._response = self._client.send(
            self._client.build_request("GET", "/v1/events", headers=headers), stream=True
        )
        assert self._response.status_code == 200
        assert self._response.headers["content-type"].startswith("text/event-stream")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event: dict[str, str] = {}
        try:
            for line in self._response.iter_lines():
                if not line:
                    if event.get("event") == "change":
                        self.events.put(event)
                    event = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    event[name] = value.strip()
        except httpx.HTTPError:
            pass  # closed by the test

    def next_event(self, within: float) -> dict[str, str] | None:
        try:
            return self.events.get(timeout=within)
        except queue.Empty:
            return None

    def close(self) -> None:
        self._response.close()
        self._client.close()
