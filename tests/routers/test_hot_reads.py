"""Hot reads answered from memory (api/edge/hot_reads.py): once a process holds the caller's
session check and knows the heads of their spaces, today, one assignment, the couple, the
profile and a pull at the head are answered with no statement sent, exactly as the route
would answer them: the same body and tag, the same quotas counted, the same refusals."""

import logging
import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from tests.factories import answer, api_token, bearer, make_couple, register, token_bearer
from tests.support import (
    assert_problem,
    count_statements,
    held_in_memory,
    kept_engine,
    pull_all,
    revoke_unannounced,
)

pytestmark = pytest.mark.usefixtures("content")


def hot_paths(client: TestClient, tokens: dict[str, Any]) -> dict[str, str]:
    """Each hot read of `tokens`' caller, by name (sync with the cursor at the head)."""
    assignment = client.get("/v1/today", headers=bearer(tokens)).json()
    _, cursor = pull_all(client, tokens)
    return {
        "today": "/v1/today",
        "assignment": f"/v1/assignments/{assignment['id']}",
        "couple": "/v1/couple",
        "me": "/v1/me",
        "sync": f"/v1/sync?cursor={cursor}",
    }


HOT = ["today", "assignment", "couple", "me", "sync"]


@pytest.mark.parametrize("name", HOT)
def test_a_hot_read_held_in_memory_sends_no_statement(
    client: TestClient, app: FastAPI, name: str
) -> None:
    a, _ = make_couple(client)
    path = hot_paths(client, a)[name]
    held_in_memory(client, app, bearer(a))
    first = client.get(path, headers=bearer(a))
    responses: list[Any] = []
    sent = count_statements(app, lambda: responses.append(client.get(path, headers=bearer(a))))
    again = responses[0]
    assert sent == 0
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == "no-store"
    assert again.headers["x-content-type-options"] == "nosniff"
    not_modified: list[Any] = []
    condition = bearer(a) | {"If-None-Match": first.headers["etag"]}
    sent = count_statements(app, lambda: not_modified.append(client.get(path, headers=condition)))
    assert sent == 0
    assert not_modified[0].status_code == 304 and not_modified[0].content == b""
    assert not_modified[0].headers["etag"] == first.headers["etag"]


def _assignment_reads(metrics: str) -> float:
    """GET /v1/assignments/{assignment_id} answered 200, as /metrics counts them."""
    found = [
        sample.value
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name == "http_requests_total"
        and sample.labels
        == {"method": "GET", "route": "/v1/assignments/{assignment_id}", "status": "200"}
    ]
    return found[0] if found else 0.0


def test_a_read_from_memory_is_seen_by_every_middleware(
    client: TestClient, app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    # Answered before routing, a hot read still gets what the middleware around the routes
    # give every answer: its request id, its quota, its log line and its count under the
    # route's template (never the raw path, which holds an id).
    a, _ = make_couple(client)
    path = hot_paths(client, a)["assignment"]
    held_in_memory(client, app, bearer(a))
    client.get(path, headers=bearer(a))
    before = _assignment_reads(client.get("/metrics").text)
    responses: list[Any] = []
    with caplog.at_level(logging.INFO, logger="api.access"):
        sent = count_statements(app, lambda: responses.append(client.get(path, headers=bearer(a))))
    assert sent == 0
    response = responses[0]
    assert response.status_code == 200
    assert response.headers["x-request-id"]
    assert int(response.headers["ratelimit-remaining"]) >= 0
    logged = [r for r in caplog.records if r.name == "api.access"]
    assert [(r.route, r.status) for r in logged] == [("/v1/assignments/{assignment_id}", 200)]
    assert _assignment_reads(client.get("/metrics").text) == before + 1


@pytest.mark.parametrize("name", HOT)
def test_what_the_partner_wrote_is_seen_at_once_from_memory(client: TestClient, name: str) -> None:
    a, b = make_couple(client)
    path = hot_paths(client, a)[name]
    before = client.get(path, headers=bearer(a))
    assignment = client.get("/v1/today", headers=bearer(b)).json()
    answer(client, b, assignment, "from b")
    if name == "me":
        client.patch("/v1/me", json={"display_name": "Renamed"}, headers=bearer(a))
    after = client.get(path, headers=bearer(a) | {"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    if name in ("today", "assignment"):
        assert after.json()["partner_status"] == "answered"
        assert after.json()["partner_answer"] is None  # not revealed: a has not answered


QUOTA = 20


@pytest.mark.parametrize("settings_overrides", [{"api_limit_per_credential": f"{QUOTA}/minute"}])
def test_reads_from_memory_count_against_the_quotas(client: TestClient, app: FastAPI) -> None:
    tokens = register(client)
    held_in_memory(client, app, bearer(tokens))
    remaining: list[int] = []

    def read() -> None:
        response = client.get("/v1/me", headers=bearer(tokens))
        assert response.status_code == 200
        remaining.append(int(response.headers["ratelimit-remaining"]))

    assert count_statements(app, lambda: [read(), read(), read()]) == 0
    assert remaining[1:] == [remaining[0] - 1, remaining[0] - 2]
    for _ in range(remaining[-1]):
        read()
    refused = client.get("/v1/me", headers=bearer(tokens))
    assert_problem(refused, 429)
    assert refused.headers["retry-after"]


def test_a_token_without_the_scope_is_refused_though_its_caller_is_held(
    client: TestClient,
) -> None:
    a, _ = make_couple(client)
    made = api_token(client, a, "profile:read")
    assert client.get("/v1/me", headers=token_bearer(made)).status_code == 200
    client.get("/v1/today", headers=bearer(a))
    refused = client.get("/v1/today", headers=token_bearer(made))
    assert_problem(refused, 403)
    assert refused.json()["missing_scopes"] == ["answers:read"]


def test_a_logout_ends_the_reads_from_memory_at_once(client: TestClient) -> None:
    tokens = register(client)
    for _ in range(2):
        assert client.get("/v1/me", headers=bearer(tokens)).status_code == 200
    logout = client.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert logout.status_code == 204
    assert_problem(client.get("/v1/me", headers=bearer(tokens)), 401)


def test_what_the_route_refuses_is_still_refused(client: TestClient) -> None:
    a, _ = make_couple(client)
    paths = hot_paths(client, a)
    client.get(paths["sync"], headers=bearer(a))
    assert_problem(client.get(paths["sync"] + "&limit=0", headers=bearer(a)), 422)
    too_long = {"If-None-Match": "x" * 513}
    assert_problem(client.get("/v1/today", headers=bearer(a) | too_long), 422)


RECHECK_SECONDS = 1.0


@pytest.mark.parametrize("settings_overrides", [{"session_recheck_seconds": RECHECK_SECONDS}])
def test_a_change_nobody_announced_is_read_within_the_recheck(
    client: TestClient, database_url: str
) -> None:
    # A write whose poke was lost (another process died before sending it): memory holds
    # the old head for at most the re-check interval.
    a, _ = make_couple(client)
    tag = client.get("/v1/today", headers=bearer(a)).headers["etag"]
    couple_id = client.get("/v1/me", headers=bearer(a)).json()["couple_id"]
    with kept_engine(database_url).begin() as connection:
        connection.execute(
            text("UPDATE couple SET head_seq = head_seq + 1 WHERE id = :id"), {"id": couple_id}
        )
    assert client.get("/v1/today", headers=bearer(a)).headers["etag"] == tag
    time.sleep(RECHECK_SECONDS + 0.1)
    assert client.get("/v1/today", headers=bearer(a)).headers["etag"] != tag


@pytest.mark.parametrize("settings_overrides", [{"session_recheck_seconds": RECHECK_SECONDS}])
def test_a_session_in_use_is_checked_in_the_background_not_by_its_requests(
    client: TestClient, app: FastAPI, database_url: str
) -> None:
    # Polled for longer than the re-check interval, a session is never checked by a request
    # (they all answer from memory), yet a revocation nobody announced still ends it in time.
    tokens = register(client)
    held_in_memory(client, app, bearer(tokens))
    started = time.monotonic()
    while time.monotonic() - started < 2 * RECHECK_SECONDS:
        read = lambda: client.get("/v1/me", headers=bearer(tokens))  # noqa: E731
        assert count_statements(app, read) == 0
        time.sleep(0.05)
    revoke_unannounced(database_url, tokens)
    started = time.monotonic()
    while client.get("/v1/me", headers=bearer(tokens)).status_code == 200:
        assert time.monotonic() - started < RECHECK_SECONDS + 0.5, "still live"
        time.sleep(0.05)
