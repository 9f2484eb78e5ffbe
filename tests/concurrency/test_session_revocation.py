"""Session checks from memory across two real API processes sharing PostgreSQL (SPEC.md §7):
a revocation on one reaches the other within a second, and one nobody announced (written
straight into the database) stops working there within the re-check interval."""

import time
from typing import Any

import httpx
import pytest

from tests.databases import ENGINE
from tests.factories import bearer, sample_answer
from tests.support import couple_through, revoke_unannounced

pytestmark = [
    pytest.mark.usefixtures("content"),
    pytest.mark.skipif(ENGINE != "postgresql", reason="several API processes share PostgreSQL"),
]

RECHECK_SECONDS = 3.0


@pytest.fixture
def server_env() -> dict[str, str]:
    return {"ATTUNE_SESSION_RECHECK_SECONDS": str(RECHECK_SECONDS)}


def held_in_memory(url: str, tokens: dict[str, Any]) -> None:
    """Reads through `url` until its memory holds the session: a read starts the listener,
    and a check made once it listens is remembered."""
    with httpx.Client(base_url=url, timeout=10, headers=bearer(tokens)) as http:
        for _ in range(10):
            assert http.get("/v1/me").status_code == 200
            time.sleep(0.05)


def seconds_until_refused(url: str, tokens: dict[str, Any], within: float) -> float:
    started = time.monotonic()
    with httpx.Client(base_url=url, timeout=10, headers=bearer(tokens)) as http:
        while http.get("/v1/me").status_code == 200:
            assert time.monotonic() - started < within, f"still live after {within} s"
            time.sleep(0.02)
    return time.monotonic() - started


def test_a_logout_on_one_process_reaches_the_other_within_a_second(
    two_processes: list[str], database_url: str
) -> None:
    one, other = two_processes
    a, b = couple_through(one)
    held_in_memory(other, a)
    held_in_memory(other, b)
    # The other process does answer from memory: a revocation it is not told of holds there
    # for a while (and then ends, see below).
    revoke_unannounced(database_url, b)
    with httpx.Client(base_url=other, timeout=10, headers=bearer(b)) as http:
        assert http.get("/v1/me").status_code == 200
    logout = httpx.post(f"{one}/v1/auth/logout", json={"refresh_token": a["refresh_token"]})
    assert logout.status_code == 204
    assert seconds_until_refused(other, a, within=1.0) < 1.0
    assert seconds_until_refused(other, b, within=RECHECK_SECONDS + 1) <= RECHECK_SECONDS + 1


def test_unlinking_and_token_revocation_reach_the_other_process(two_processes: list[str]) -> None:
    one, other = two_processes
    a, b = couple_through(one)
    made = httpx.post(
        f"{one}/v1/tokens", json={"name": "t", "scopes": ["profile:read"]}, headers=bearer(a)
    ).json()
    token = {"access_token": made["token"]}
    held_in_memory(other, token)
    with httpx.Client(base_url=other, timeout=10, headers=bearer(b)) as http:
        assert http.get("/v1/couple").status_code == 200
        assert httpx.delete(f"{one}/v1/couple", headers=bearer(a)).status_code == 204
        started = time.monotonic()
        while http.get("/v1/couple").status_code == 200:
            assert time.monotonic() - started < 1.0, "the other process still shows the couple"
            time.sleep(0.02)
    assert httpx.delete(f"{one}/v1/tokens/{made['id']}", headers=bearer(a)).status_code == 204
    assert seconds_until_refused(other, token, within=1.0) < 1.0


def _pull_to_the_end(http: httpx.Client, cursor: str | None = None) -> dict[str, Any]:
    while True:
        page = http.get("/v1/sync", params={} if cursor is None else {"cursor": cursor}).json()
        cursor = page["cursor"]
        if not page["has_more"]:
            return page


def test_a_write_on_one_process_is_seen_by_a_pull_with_its_cursor_on_the_other(
    two_processes: list[str],
) -> None:
    # Sync for a client already at the head is answered from what this request's session
    # check read: a cursor made by another process after a write must never look "ahead"
    # (a reset) there, and the partner's older cursor must find the write at once.
    one, other = two_processes
    a, b = couple_through(one)
    held_in_memory(other, a)
    held_in_memory(other, b)
    with (
        httpx.Client(base_url=one, timeout=10, headers=bearer(a)) as writer,
        httpx.Client(base_url=other, timeout=10, headers=bearer(a)) as writer_elsewhere,
        httpx.Client(base_url=other, timeout=10, headers=bearer(b)) as partner,
    ):
        partner_cursor = _pull_to_the_end(partner)["cursor"]
        assignment = writer.get("/v1/today").json()
        put = writer.put(
            f"/v1/assignments/{assignment['id']}/answer",
            json=sample_answer(assignment["exercise"]),
        )
        assert put.status_code == 201, put.text
        after_write = _pull_to_the_end(writer)["cursor"]
        # At once, on the other process, with the cursor the first one just handed out.
        again = writer_elsewhere.get("/v1/sync", params={"cursor": after_write}).json()
        assert again == {"changes": [], "cursor": after_write, "has_more": False, "reset": False}
        seen = partner.get("/v1/sync", params={"cursor": partner_cursor}).json()
        assert not seen["reset"]
        assert {c["entity"] for c in seen["changes"]} >= {"assignment", "answer"}
        assert seen["cursor"] == after_write


def test_a_write_on_one_process_reaches_what_the_other_answers_from_memory(
    two_processes: list[str],
) -> None:
    # The other process answers the partner's today from memory, at the heads it knows: the
    # write's poke must reach it, and move them, within a second.
    one, other = two_processes
    a, b = couple_through(one)
    held_in_memory(other, b)
    with (
        httpx.Client(base_url=one, timeout=10, headers=bearer(a)) as writer,
        httpx.Client(base_url=other, timeout=10, headers=bearer(b)) as partner,
    ):
        assignment = writer.get("/v1/today").json()
        for _ in range(3):
            assert partner.get("/v1/today").json()["partner_status"] == "pending"
        put = writer.put(
            f"/v1/assignments/{assignment['id']}/answer",
            json=sample_answer(assignment["exercise"]),
        )
        assert put.status_code == 201, put.text
        started = time.monotonic()
        while partner.get("/v1/today").json()["partner_status"] != "answered":
            assert time.monotonic() - started < 1.0, "the other process still shows no answer"
            time.sleep(0.02)
