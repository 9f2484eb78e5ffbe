"""SIGTERM to a real `python -m api serve` under load: requests in flight complete, an open
event stream ends with a `retry:` for its client, and the process exits 0 within its grace."""

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.factories import PASSWORD
from tests.operations.servers import ApiProcess, api_environment

IN_FLIGHT = 6
GRACE_SECONDS = 10


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[ApiProcess]:
    # Hashes that take a while, one at a time: registrations queue up, so some are still in
    # flight when the signal comes.
    env = api_environment(
        database_url,
        ATTUNE_ARGON2_MEMORY_KIB="32768",
        ATTUNE_ARGON2_TIME_COST="3",
        ATTUNE_PASSWORD_HASH_CONCURRENCY="1",
        ATTUNE_SHUTDOWN_GRACE_SECONDS=str(GRACE_SECONDS),
    )
    server = ApiProcess(env, tmp_path / "serve.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


class RawStream(threading.Thread):
    """Every line of one SSE stream, until the server ends it."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.lines: list[str] = []
        self.ended_cleanly = False
        self._client = httpx.Client(base_url=url, timeout=httpx.Timeout(5, read=60))
        self._response = self._client.send(
            self._client.build_request(
                "GET", "/v1/events", headers={"Authorization": f"Bearer {token}"}
            ),
            stream=True,
        )
        assert self._response.status_code == 200

    def run(self) -> None:
        for line in self._response.iter_lines():
            self.lines.append(line)
        self.ended_cleanly = True  # the body ended as HTTP says, no broken connection
        self._client.close()


def register(url: str, name: str, answers: list[int]) -> None:
    body = {"email": f"{name}-{time.monotonic_ns()}@example.com", "password": PASSWORD,
            "display_name": name}  # fmt: skip
    with httpx.Client(base_url=url, timeout=30) as http:
        answers.append(http.post("/v1/auth/register", json=body).status_code)


def test_sigterm_drains_requests_in_flight_ends_streams_and_exits_zero(api: ApiProcess) -> None:
    with httpx.Client(base_url=api.url, timeout=30) as http:
        body = {"email": f"on-{time.monotonic_ns()}@example.com", "password": PASSWORD,
                "display_name": "On"}  # fmt: skip
        token = http.post("/v1/auth/register", json=body).json()["access_token"]
    stream = RawStream(api.url, token)
    stream.start()
    answers: list[int] = []
    load = [
        threading.Thread(target=register, args=(api.url, f"late{i}", answers))
        for i in range(IN_FLIGHT)
    ]
    for thread in load:
        thread.start()
    time.sleep(0.5)  # every request sent and read by the server, most waiting for a hash

    api.process.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    for thread in load:
        thread.join(timeout=30)
    exit_code = api.process.wait(timeout=GRACE_SECONDS + 5)
    took = time.monotonic() - signalled
    stream.join(timeout=5)

    assert answers == [201] * IN_FLIGHT, answers
    assert exit_code == 0
    assert took < GRACE_SECONDS
    assert stream.ended_cleanly
    assert any(line.startswith("retry: ") for line in stream.lines), stream.lines
    output = api.output()
    assert "ASGI callable returned without completing response" not in output
    assert "Traceback" not in output and '"level": "ERROR"' not in output
