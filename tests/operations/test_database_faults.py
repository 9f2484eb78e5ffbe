"""A real `python -m api serve` against a PostgreSQL cluster of the test's own, while that
cluster restarts, loses the event feed's connection, or runs out of connection slots.

Run once, in the PostgreSQL pass: they never touch the shared PostgreSQL.
"""

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from api.kernel.db import migrate
from tests.databases import ENGINE
from tests.factories import PASSWORD
from tests.operations.servers import ApiProcess, PostgresCluster, api_environment, postgres_cluster
from tests.support import Stream

pytestmark = pytest.mark.skipif(
    ENGINE != "postgresql", reason="runs once, in the PostgreSQL pass, on a cluster of its own"
)
POOL_SIZE = 4
log = logging.getLogger(__name__)


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    with postgres_cluster(max_connections=30) as running:
        yield running


@pytest.fixture
def api(
    cluster: PostgresCluster, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[ApiProcess]:
    url = cluster.new_database(request.node.name.lower()[:40].replace("[", "_").replace("]", ""))
    migrate(url)
    server = ApiProcess(
        api_environment(url, ATTUNE_DB_POOL_SIZE=str(POOL_SIZE), ATTUNE_EVENTS_PING_SECONDS="60"),
        tmp_path / "serve.log",
    )
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def person(http: httpx.Client, name: str) -> dict[str, Any]:
    email = f"{name}-{time.monotonic_ns()}@example.com"
    response = http.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "display_name": name}
    )
    assert response.status_code == 201, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def couple(http: httpx.Client) -> tuple[dict[str, str], dict[str, Any]]:
    """(the inviter's Authorization header, the joiner's tokens)."""
    inviter, joiner = person(http, "Ari"), person(http, "Bo")
    auth = {"Authorization": f"Bearer {inviter['access_token']}"}
    code = http.post("/v1/couple/invite", headers=auth).json()["code"]
    joined = http.post(
        "/v1/couple/join",
        json={"code": code},
        headers={"Authorization": f"Bearer {joiner['access_token']}"},
    )
    assert joined.status_code == 201, joined.text
    return auth, joiner


@dataclass
class Answer:
    started: float
    finished: float
    status: int
    retry_after: str | None
    email: str


class Registrations(threading.Thread):
    """Registers people one after another, as sign-ups come, noting every answer."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.http = httpx.Client(base_url=url, timeout=30)
        self.answers: list[Answer] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            email = f"signup-{time.monotonic_ns()}@example.com"
            started = time.monotonic()
            try:
                response = self.http.post(
                    "/v1/auth/register",
                    json={"email": email, "password": PASSWORD, "display_name": "Dee"},
                )
            except httpx.TransportError:
                continue  # never answered: nothing was promised
            retry_after = response.headers.get("retry-after")
            self.answers.append(
                Answer(started, time.monotonic(), response.status_code, retry_after, email)
            )
            time.sleep(0.02)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)
        self.http.close()


def attune_connections(cluster: PostgresCluster) -> int:
    with psycopg.connect(cluster.admin_dsn, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'attune'"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_restart_under_load_costs_503s_at_worst_and_loses_nothing(
    cluster: PostgresCluster, api: ApiProcess
) -> None:
    with httpx.Client(base_url=api.url, timeout=30) as http:
        auth, joiner = couple(http)
        stream = Stream(api.url, joiner["access_token"])
        try:
            first = stream.next_event(within=3)
            assert first is not None
            load = Registrations(api.url)
            load.start()
            time.sleep(0.5)
            down = time.monotonic()
            cluster.stop()
            time.sleep(1.0)  # an outage a client notices
            cluster.start()
            back = time.monotonic()
            time.sleep(1.5)
            load.stop()

            statuses = {answer.status for answer in load.answers}
            assert statuses <= {201, 503}, statuses
            unavailable = [a for a in load.answers if a.status == 503]
            assert all(a.retry_after for a in unavailable)
            after = [a for a in load.answers if a.started > back]
            assert after and after[0].status == 201, "the first request after the restart failed"
            assert all(a.status == 201 for a in after)
            # A sign-up still in flight when the database went away may be a 503 (above).
            before = [a for a in load.answers if a.finished < down]
            assert before and all(a.status == 201 for a in before)

            # Nothing answered 201 was lost: every one of them can log in.
            for made in (a for a in load.answers if a.status == 201):
                login = {"username": made.email, "password": PASSWORD}
                assert http.post("/v1/auth/token", data=login).status_code == 200

            # The feed listens again: a write after the restart reaches the open stream.
            assert http.post("/v1/checkins", json={"mood": 3}, headers=auth).status_code == 201
            poke = stream.next_event(within=5)
            assert poke is not None and int(poke["id"]) > int(first["id"])
        finally:
            stream.close()
    assert attune_connections(cluster) <= POOL_SIZE + 2
    output = api.output()
    assert "unhandled error" not in output and "Traceback" not in output
    log.info(  # what happened, for whoever reads the run (-o log_cli=true)
        f"restart: {back - down:.1f} s down, {len(load.answers)} answers, "
        f"{len(unavailable)} x 503, {len(after)} after it all 201"
    )


def test_pokes_lost_while_the_feed_reconnects_are_caught_up(
    cluster: PostgresCluster, api: ApiProcess
) -> None:
    with httpx.Client(base_url=api.url, timeout=30) as http:
        auth, joiner = couple(http)
        stream = Stream(api.url, joiner["access_token"])
        try:
            first = stream.next_event(within=3)
            assert first is not None
            with psycopg.connect(cluster.admin_dsn, autocommit=True) as admin:
                listening = "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN %'"
                [(pid,)] = admin.execute(listening).fetchall()
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
                while admin.execute(listening).fetchall():
                    time.sleep(0.01)
            # Written while nobody listens: its NOTIFY reaches no one.
            assert http.post("/v1/checkins", json={"mood": 2}, headers=auth).status_code == 201
            caught_up = stream.next_event(within=5)
            assert caught_up is not None and int(caught_up["id"]) > int(first["id"])
        finally:
            stream.close()
    assert "notify listener reconnected" in api.output()


def test_too_many_clients_is_503_with_retry_after_then_recovers(
    cluster: PostgresCluster, api: ApiProcess
) -> None:
    hogs: list[psycopg.Connection[Any]] = []
    taken = 0
    try:
        while True:  # every slot the server has, taken
            try:
                hogs.append(psycopg.connect(cluster.admin_dsn, autocommit=True))
            except psycopg.OperationalError as error:
                assert "too many clients" in str(error)
                taken = len(hogs)
                break
        with httpx.Client(base_url=api.url, timeout=30) as http:
            refused = http.post(
                "/v1/auth/register",
                json={"email": "full@example.com", "password": PASSWORD, "display_name": "Cy"},
            )
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            assert int(refused.headers["retry-after"]) > 0
            assert "full@example.com" not in refused.text
            ready = http.get("/readyz")
            assert ready.status_code == 503 and "cannot be reached" in ready.json()["detail"]
            for hog in hogs:
                hog.close()
            hogs.clear()
            person(http, "Cy")
            assert http.get("/readyz").status_code == 200
    finally:
        for hog in hogs:
            hog.close()
    log.info(f"too many clients: {taken} slots taken by the test, then the API answered")
