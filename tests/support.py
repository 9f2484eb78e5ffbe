"""What test modules share besides the factories: the tests' settings, emptying and reloading
the session database, a clock the tests move, checks of problem answers, the sync client,
walking paginated lists, counting statements, admin rights and revocations written straight
into the database, and an SSE stream read through a real server. Test modules import from here
(and tests/factories.py), never from each other or from a conftest."""

import functools
import queue
import threading
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jose import jwt
from sqlalchemy import Engine, create_engine, event, text, update
from sqlmodel import Session, col, select

from api.content.loader import load_content
from api.kernel.clock import Clock
from api.kernel.config import Settings
from api.models import Notification, User, metadata
from api.models.content import CONTENT_TABLES
from api.services.notifications import mails
from tests.factories import bearer, make_couple

PROBLEM = "application/problem+json"


def make_settings(database_url: str, smtp_port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "database_url": database_url,
        "mail_backend": "smtp",
        "smtp_port": smtp_port,
        # Cheap Argon2 so the suite stays fast; production parameters are tested on their own.
        "argon2_memory_kib": 1024,
        "argon2_time_cost": 1,
        "db_pool_size": 10,
        "jwt_keys": {"test-1": "t" * 40},
        # A test makes hundreds of requests a minute from one address; the general quotas are
        # tested on their own (tests/security/test_rate_limits.py).
        "api_limit_per_address": "100000/minute",
        "api_limit_per_credential": "100000/minute",
    }
    values.update(overrides)
    return Settings.model_validate(values)


@functools.cache
def kept_engine(database_url: str) -> Engine:
    """The tests' own connection to a session database, kept for the session: a new engine
    for each reset cost 70 ms on PostgreSQL, most of it connecting."""
    engine = create_engine(database_url)
    if engine.dialect.name == "sqlite":
        # A reset need not survive a power cut: not waiting for the disk makes it 4x cheaper.
        event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA synchronous=OFF"))
    return engine


def close_kept_engine(database_url: str) -> None:
    """Before the database is dropped."""
    kept_engine(database_url).dispose()


def empty_tables(database_url: str, names: Collection[str] | None = None) -> None:
    """Empty the named tables; by default every table but the content, which is kept (see
    the `content` fixture). DELETE, not TRUNCATE: a test leaves a few rows, which DELETE
    removes in 2 ms on PostgreSQL where TRUNCATE of the 19 tables takes 470 ms."""
    emptied = names or metadata.tables.keys() - CONTENT_TABLES
    with kept_engine(database_url).begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table.name in emptied:
                connection.execute(text(f'DELETE FROM "{table.name}"'))


def reload_content(database_url: str) -> None:
    """The session database's content, back to exactly the shipped files."""
    empty_tables(database_url, CONTENT_TABLES)
    with Session(kept_engine(database_url)) as db:
        load_content(db, datetime.now(UTC))
        db.commit()


ContentRows = dict[str, list[dict[str, Any]]]


def content_rows(database_url: str) -> ContentRows:
    """The content tables' rows, to put back with `restore_content`."""
    with kept_engine(database_url).connect() as connection:
        return {
            table.name: [dict(row._mapping) for row in connection.execute(table.select())]
            for table in metadata.sorted_tables
            if table.name in CONTENT_TABLES
        }


def restore_content(database_url: str, rows: ContentRows) -> None:
    """The content tables back to `rows`: a tenth of what loading the files again costs."""
    with kept_engine(database_url).begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table.name in rows:
                connection.execute(table.delete())
        for table in metadata.sorted_tables:
            if rows.get(table.name):
                connection.execute(table.insert(), rows[table.name])


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
    """How many SQL statements `action` sends to the app's database (the session cache's own
    background checks, which may run meanwhile, are not the action's)."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        if threading.current_thread().name != "session-recheck":
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
    with Session(kept_engine(database_url)) as db:
        db.execute(update(User).where(User.id == tokens["user"]["id"]).values(is_admin=True))
        db.commit()


def held_in_memory(client: TestClient, app: FastAPI, headers: dict[str, str]) -> None:
    """Make sure the next reads with `headers` are answered from memory: the feed hears
    other processes (on PostgreSQL its listener is up), then one check is remembered."""
    feed = app.state.runtime.database.feed
    deadline = time.monotonic() + 5
    while True:
        assert client.get("/v1/me", headers=headers).status_code == 200
        if feed.hears_everything:
            break
        assert time.monotonic() < deadline, "the change feed never listened"
        time.sleep(0.05)
    assert client.get("/v1/me", headers=headers).status_code == 200


def revoke_unannounced(database_url: str, tokens: dict[str, Any]) -> None:
    """Revoke a login in the database itself, telling no process (a lost notification)."""
    session_id = jwt.get_unverified_claims(tokens["access_token"])["sid"]
    with kept_engine(database_url).begin() as connection:
        connection.execute(
            text("UPDATE auth_session SET revoked_at = :now WHERE id = :id"),
            {"now": datetime.now(UTC), "id": session_id},
        )


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


def queued_pushes(app: FastAPI) -> list[Notification]:
    """The outbox's pushes (registering queues a verification mail too: tests/operations)."""
    with Session(app.state.runtime.database.reader) as db:
        found = db.exec(select(Notification).order_by(col(Notification.dedupe_key)))
        return [row for row in found if not mails.is_mail(row)]
