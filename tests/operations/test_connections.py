"""A process holds at most ATTUNE_DB_POOL_SIZE connections, requests that need two at once
(the day's first /v1/today) never wait on each other for the last one, and many logins at once
never wait on each other for a connection or a thread."""

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.factories import PASSWORD
from tests.mailbox import free_port

pytestmark = pytest.mark.usefixtures("content")
POOL_SIZE = 3
PEOPLE = 8


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"db_pool_size": POOL_SIZE}


@pytest.fixture
def served(app: FastAPI) -> Iterator[str]:
    """The app under uvicorn with its lifespan, as `serve` runs it, on a small pool."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_first_requests_of_the_day_at_once_on_a_small_pool(served: str) -> None:
    with httpx.Client(base_url=served, timeout=30) as http:
        people: list[dict[str, Any]] = []
        for number in range(PEOPLE):
            body = {"email": f"early{number}-{time.monotonic_ns()}@example.com",
                    "password": PASSWORD, "display_name": "Early"}  # fmt: skip
            people.append(http.post("/v1/auth/register", json=body).json())

    def first_today(person: dict[str, Any]) -> tuple[int, float]:
        started = time.monotonic()
        with httpx.Client(base_url=served, timeout=30) as client:
            auth = {"Authorization": f"Bearer {person['access_token']}"}
            status = client.get("/v1/today", headers=auth).status_code
        return status, time.monotonic() - started

    with ThreadPoolExecutor(PEOPLE) as pool:
        answers = list(pool.map(first_today, people))
    assert [status for status, _ in answers] == [200] * PEOPLE
    # Waiting for a connection that never comes would take the pool's 10 s timeout.
    assert max(took for _, took in answers) < 5


def test_logins_at_once_on_a_small_pool(served: str) -> None:
    # A login hashes for tens of milliseconds between its reads and its write: however many
    # come at once, none waits for a connection that a request waiting for a thread holds.
    with httpx.Client(base_url=served, timeout=30) as http:
        emails = []
        for number in range(PEOPLE):
            email = f"login{number}-{time.monotonic_ns()}@example.com"
            body = {"email": email, "password": PASSWORD, "display_name": "Login"}
            assert http.post("/v1/auth/register", json=body).status_code == 201
            emails.append(email)

    def login(email: str) -> tuple[int, float]:
        started = time.monotonic()
        with httpx.Client(base_url=served, timeout=30) as client:
            form = {"username": email, "password": PASSWORD}
            status = client.post("/v1/auth/token", data=form).status_code
        return status, time.monotonic() - started

    with ThreadPoolExecutor(PEOPLE) as pool:
        answers = list(pool.map(login, emails * 2))
    assert [status for status, _ in answers] == [200] * 2 * PEOPLE
    assert max(took for _, took in answers) < 5
