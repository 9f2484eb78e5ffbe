"""No log line, at any level, carries what people wrote or their credentials, even when the
database fails: a real server, every logger at DEBUG (SQLAlchemy's and uvicorn's too), every
kind of write with a database error forced on it, then again for real."""

import logging
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine, event

from tests.factories import PASSWORD, sample_answer
from tests.support import assert_problem

pytestmark = pytest.mark.usefixtures("content")

Picks = Callable[[str, list[str]], bool]
TYPES = ("open", "choice", "scale", "guess", "activity")


class Capture(logging.Handler):
    """Every record, rendered with its exception (traceback and chained causes) and every
    attribute it carries (arguments, extras), as any handler or formatter could show it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self._format = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("mail."):
            return  # the test's own SMTP server, which logs what it receives, as a provider does
        self.lines.append(f"{self._format.format(record)} {record.__dict__!r}")


@pytest.fixture
def captured() -> Iterator[Capture]:
    capture = Capture()
    root, engine_log = logging.getLogger(), logging.getLogger("sqlalchemy.engine")
    levels = root.level, engine_log.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    engine_log.setLevel(logging.DEBUG)  # SQLAlchemy itself keeps it at WARNING by default
    yield capture
    root.removeHandler(capture)
    root.setLevel(levels[0])
    engine_log.setLevel(levels[1])


class Trap:
    """Fails the next statement `picks` chooses, the way the database would, with a message
    that quotes the statement's values as PostgreSQL's do ("Key (email)=(...) already
    exists", 'invalid input syntax for type integer: "..."')."""

    def __init__(self, *engines: Engine) -> None:
        self.postgresql = engines[0].dialect.name == "postgresql"
        self.picks: Picks | None = None
        self.kind = ""
        self.fired = 0
        # The reader and the writer (one engine on PostgreSQL, two on SQLite).
        for engine in {id(engine): engine for engine in engines}.values():
            event.listen(engine, "before_cursor_execute", self._before, retval=True)

    def arm(self, picks: Picks, kind: str) -> None:
        self.picks, self.kind = picks, kind

    def _before(
        self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> tuple[str, Any]:
        values = _values(params)
        if self.picks is None or not self.picks(statement, values):
            return statement, params
        self.picks = None
        self.fired += 1
        quoted = " ".join(values)
        if self.kind == "unique":
            if self.postgresql:
                raise psycopg.errors.UniqueViolation(
                    f'duplicate key value violates unique constraint "forced"\n'
                    f"DETAIL:  Key (value)=({quoted}) already exists."
                )
            raise sqlite3.IntegrityError("UNIQUE constraint failed: forced.value")
        if not self.postgresql:
            raise sqlite3.OperationalError("database is locked")
        # A real error from the server, whose message quotes every value of the statement.
        first = params[0] if many else params
        casts = ", ".join(f"%({name})s::text" for name in first)
        failing = f"SELECT CAST(concat_ws(' ', VARIADIC ARRAY[{casts}]) AS integer)"
        return failing, [first] if many else first


def _values(params: Any) -> list[str]:
    rows = (
        params
        if isinstance(params, list | tuple) and params and isinstance(params[0], dict)
        else [params]
    )
    found: list[str] = []
    for row in rows:
        found += [str(v) for v in (row.values() if isinstance(row, dict) else row or ())]
    return found


def carries(*secrets: str) -> Picks:
    return lambda _, values: any(s.lower() in v.lower() for v in values for s in secrets)


def writes_to(table: str) -> Picks:
    return lambda statement, _: statement.startswith((f"INSERT INTO {table} ", f"UPDATE {table} "))


def reads() -> Picks:
    return lambda statement, _: statement.startswith("SELECT")


class Flow:
    """Each write sent twice with a database error forced on it (a failing one, a unique
    violation), then once for real."""

    def __init__(self, http: httpx.Client, trap: Trap) -> None:
        self.http, self.trap = http, trap

    def write(self, picks: Picks, method: str, path: str, **arguments: Any) -> httpx.Response:
        for kind in ("failure", "unique"):
            fired = self.trap.fired
            self.trap.arm(picks, kind)
            response = self.http.request(method, path, **arguments)
            assert self.trap.fired == fired + 1, (method, path, response.text)
            assert response.status_code >= 400, response.text
        response = self.http.request(method, path, **arguments)
        assert response.is_success, (method, path, response.text)
        return response


EMAILS = ["private.ari@example.com", "private.bo@example.com"]
PASSWORDS = [PASSWORD, "another long passphrase 9"]
WORDS = {
    name: f"Secret{name.title()}Words"
    for name in ("open", "activity", "comment", "note", "synced", "syncnote", "pushtoken")
}


def _bearer(response: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _accounts(flow: Flow) -> tuple[dict[str, str], dict[str, str]]:
    """Register, sign in, change a password, link: (A's headers, B's headers)."""
    for email in EMAILS:
        body = {"email": email, "password": PASSWORD, "display_name": "Ari"}
        registered = flow.write(carries(email), "POST", "/v1/auth/register", json=body)
    form = {"username": EMAILS[0], "password": PASSWORD}
    a = _bearer(flow.write(carries(EMAILS[0]), "POST", "/v1/auth/token", data=form))
    change = {"current_password": PASSWORD, "new_password": PASSWORDS[1]}
    flow.write(
        carries("$argon2"), "POST", "/v1/auth/password", json=change, headers=_bearer(registered)
    )
    form = {"username": EMAILS[1], "password": PASSWORDS[1]}
    b = _bearer(flow.http.post("/v1/auth/token", data=form))
    code = flow.write(writes_to("invite"), "POST", "/v1/couple/invite", headers=a).json()["code"]
    flow.write(carries(code), "POST", "/v1/couple/join", json={"code": code}, headers=b)
    return a, b


def _answers(flow: Flow, a: dict[str, str], b: dict[str, str]) -> dict[str, dict[str, Any]]:
    """A's answer to an exercise of every type, B's too: B's answers, by type."""
    theirs = {}
    for kind in TYPES:
        listed = flow.http.get("/v1/exercises", params={"type": kind, "limit": 1}, headers=a)
        body = {"exercise_id": listed.json()["items"][0]["id"]}
        assignment = flow.http.post("/v1/assignments", json=body, headers=a).json()
        url = f"/v1/assignments/{assignment['id']}/answer"
        mine = sample_answer(assignment["exercise"], WORDS.get(kind, ""))
        flow.write(writes_to("answer"), "PUT", url, json=mine, headers=a)
        answered = flow.http.put(url, json=sample_answer(assignment["exercise"]), headers=b)
        theirs[kind] = answered.json()["my_answer"] | {"assignment": assignment}
    return theirs


def _sync_mutations(scale: dict[str, Any], revealed: str) -> list[tuple[Picks, dict[str, Any]]]:
    comment = {"assignment_id": revealed, "comment_id": "c-sync", "body": WORDS["synced"]}
    checkin = {"checkin_id": "k-sync", "mood": 2, "note": WORDS["syncnote"]}
    answer = {"assignment_id": scale["id"], "answer": sample_answer(scale["exercise"])}
    return [
        (carries(WORDS["synced"]), comment | {"type": "comment.add"}),
        (carries(WORDS["syncnote"]), checkin | {"type": "checkin.put"}),
        (writes_to("answer"), answer | {"type": "answer.put"}),
    ]


def test_no_log_line_holds_words_emails_passwords_or_hashes(
    app: FastAPI, live_server: str, captured: Capture
) -> None:
    database = app.state.runtime.database
    trap = Trap(database.reader, database.writer)
    # A new connection for each request: the server closes one after an unhandled error.
    no_reuse = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=live_server, timeout=30, limits=no_reuse) as http:
        flow = Flow(http, trap)
        a, b = _accounts(flow)
        theirs = _answers(flow, a, b)
        revealed = theirs["open"]["assignment"]["id"]
        path = f"/v1/assignments/{revealed}/comments"
        flow.write(
            carries(WORDS["comment"]), "POST", path, json={"body": WORDS["comment"]}, headers=a
        )
        path = f"/v1/answers/{theirs['open']['id']}/reaction"
        flow.write(writes_to("reaction"), "PUT", path, json={"emoji": "🙂"}, headers=a)
        checkin = {"mood": 4, "note": WORDS["note"]}
        flow.write(carries(WORDS["note"]), "POST", "/v1/checkins", json=checkin, headers=a)
        for number, (picks, mutation) in enumerate(
            _sync_mutations(theirs["scale"]["assignment"], revealed)
        ):
            # A forced failure rolls the mutation back with its record, so the same id retries.
            batch = {"mutations": [mutation | {"id": f"m-{number}"}]}
            flow.write(picks, "POST", "/v1/sync", json=batch, headers=a)
        device = {"platform": "ios", "token": WORDS["pushtoken"]}
        flow.write(
            carries(WORDS["pushtoken"]), "PUT", "/v1/devices/phone-1", json=device, headers=a
        )
        exported = flow.write(reads(), "GET", "/v1/me/export", headers=a)
        assert WORDS["open"] in exported.text and WORDS["syncnote"] in exported.text

    logged = "\n".join(captured.lines)
    # The forced errors went through the paths that log them: the conflict handler, and the
    # handler of an unavailable database (503) or of an unexpected error (500).
    assert "integrity conflict" in logged
    assert any(
        line in logged
        for line in ("database unavailable", "unhandled error", "Exception in ASGI application")
    )
    assert "INSERT INTO" in logged  # SQLAlchemy logged its statements
    secrets = [*EMAILS, *PASSWORDS, *WORDS.values(), "$argon2"]
    assert [s for s in secrets if s.lower() in logged.lower()] == []


@pytest.mark.own_app
def test_data_that_does_not_fit_its_schema_is_logged_without_its_values(
    app: FastAPI, captured: Capture
) -> None:
    """Pydantic's errors quote the values: an answer that failed the response schema was
    logged whole, and the server logged it again."""

    class Shown(BaseModel):
        mood: int

    def broken() -> Shown:
        return {"mood": "SecretBrokenWords"}  # type: ignore[return-value]

    app.add_api_route("/v1/broken", broken, tags=["test"])
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/v1/broken", headers={"X-Request-ID": "req-7"})
    assert assert_problem(response, 500)["detail"].endswith("Request id: req-7.")
    assert response.headers.get_list("x-request-id") == ["req-7"]
    logged = "\n".join(captured.lines)
    assert "SecretBrokenWords" not in logged
    assert "data did not fit its schema" in logged and "broken" in logged  # where, and why
