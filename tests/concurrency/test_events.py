"""GET /v1/events through real servers: a change pokes the partner's stream within a second,
in one process and across two API processes on PostgreSQL, and Last-Event-ID resumes."""

import queue
import threading
import time
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.databases import ENGINE
from tests.factories import PASSWORD, bearer, open_assignment, sample_answer

pytestmark = pytest.mark.usefixtures("content")


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


def _couple_through(base_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        people = []
        for name in ("Ari", "Bo"):
            response = http.post(
                "/v1/auth/register",
                json={
                    "email": f"{name}-{time.monotonic_ns()}@example.com",
                    "password": PASSWORD,
                    "display_name": name,
                },
            )
            assert response.status_code == 201, response.text
            people.append(response.json())
        code = http.post("/v1/couple/invite", headers=bearer(people[0])).json()["code"]
        http.post("/v1/couple/join", json={"code": code}, headers=bearer(people[1]))
        return people[0], people[1]


def test_a_partners_write_pokes_my_stream_within_a_second(
    client: TestClient, live_server: str
) -> None:
    a, b = _couple_through(live_server)
    stream = Stream(live_server, b["access_token"])
    try:
        first = stream.next_event(within=2)
        assert first is not None  # no Last-Event-ID: told the head at once
        assignment = open_assignment(client, a)
        poke = stream.next_event(within=1)
        assert poke is not None and int(poke["id"]) > int(first["id"])
        assert "exercise" not in str(poke)  # a hint to pull, never the data
        client.put(
            f"/v1/assignments/{assignment['id']}/answer",
            json=sample_answer(assignment["exercise"], "secret words"),
            headers=bearer(a),
        )
        answered = stream.next_event(within=1)
        assert answered is not None and "secret words" not in str(answered)
    finally:
        stream.close()
    up_to_date = Stream(live_server, b["access_token"], last_event_id=answered["id"])
    try:
        assert up_to_date.next_event(within=0.5) is None  # nothing new: nothing at once
    finally:
        up_to_date.close()
    behind = Stream(live_server, b["access_token"], last_event_id=first["id"])
    try:
        caught_up = behind.next_event(within=1)
        assert caught_up is not None and caught_up["id"] == answered["id"]
    finally:
        behind.close()


@pytest.mark.skipif(ENGINE != "postgresql", reason="several API processes share PostgreSQL only")
def test_across_two_api_processes_and_resume_loses_nothing(two_processes: list[str]) -> None:
    one, other = two_processes
    a, b = _couple_through(one)
    stream = Stream(one, b["access_token"])
    with httpx.Client(base_url=other, timeout=30, headers=bearer(a)) as http:
        try:
            first = stream.next_event(within=2)
            assert first is not None
            response = http.post("/v1/checkins", json={"mood": 4})
            assert response.status_code == 201
            started = time.monotonic()
            poke = stream.next_event(within=1)
            assert poke is not None, "no event within a second from the other process"
            assert time.monotonic() - started < 1
        finally:
            stream.close()
        for mood in (1, 2, 3):  # written while nobody listens
            http.post("/v1/checkins", json={"mood": mood})
    resumed = Stream(one, b["access_token"], last_event_id=poke["id"])
    try:
        caught_up = resumed.next_event(within=1)
        assert caught_up is not None and int(caught_up["id"]) == int(poke["id"]) + 3
    finally:
        resumed.close()
