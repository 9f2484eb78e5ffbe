"""GET /v1/events through real servers: a change pokes the partner's stream within a second,
in one process and across two API processes on PostgreSQL, and Last-Event-ID resumes."""

import time

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.databases import ENGINE
from tests.factories import bearer, open_assignment, sample_answer
from tests.support import Stream, couple_through

pytestmark = pytest.mark.usefixtures("content")


def test_a_partners_write_pokes_my_stream_within_a_second(
    client: TestClient, live_server: str
) -> None:
    a, b = couple_through(live_server)
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
    a, b = couple_through(one)
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


@pytest.mark.parametrize("settings_overrides", [{"events_ping_seconds": 0.2}])
def test_a_quiet_stream_gets_heartbeats_that_carry_nothing(live_server: str) -> None:
    _, b = couple_through(live_server)
    headers = {"Authorization": f"Bearer {b['access_token']}"}
    comments: list[str] = []
    events = 0
    with httpx.Client(base_url=live_server, timeout=httpx.Timeout(5, read=5)) as http:
        with http.stream("GET", "/v1/events", headers=headers) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                if line.startswith(":"):
                    comments.append(line)
                events += line.startswith("event:")
                if len(comments) == 3:
                    break
    assert events == 1  # the head, told at once; nothing changed since
    assert all(comment.startswith(": ping") for comment in comments)
    assert b["user"]["id"] not in str(comments)
