"""The gentle nudge through HTTP: once per couple day, only when the caller has answered and
the partner has not, never to a partner who turned nudges off; each refusal its own type."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.kernel.errors import PROBLEM_TYPE_BASE
from tests.factories import (
    answer,
    api_token,
    bearer,
    make_couple,
    register,
    renewed,
    today,
    token_bearer,
)
from tests.support import FrozenClock, assert_problem, queued_pushes

pytestmark = pytest.mark.usefixtures("content")

# 10:00 in Paris on 26 November 2026; the couple's next day begins at 04:00 Paris (03:00 UTC).
MORNING = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
NEXT_DAY_STARTS = "2026-11-27T03:00:00Z"


@pytest.fixture(autouse=True)
def morning(clock: FrozenClock) -> None:
    clock.set(MORNING)


def nudge(client: TestClient, tokens: dict[str, Any]) -> Any:
    return client.post("/v1/couple/nudge", headers=bearer(tokens))


def refused(response: Any, kind: str) -> dict[str, Any]:
    problem = assert_problem(response, 409)
    assert problem["type"] == PROBLEM_TYPE_BASE + kind, problem
    return problem


def couple_in_paris(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return make_couple(client, timezone="Europe/Paris")


def test_sent_when_i_answered_and_my_partner_has_not(client: TestClient, app: FastAPI) -> None:
    a, b = couple_in_paris(client)
    answer(client, a, today(client, a))
    sent = nudge(client, a)
    assert sent.status_code == 202, sent.text
    assert sent.json() == {"next_nudge_at": NEXT_DAY_STARTS}
    notices = [row for row in queued_pushes(app) if row.kind == "partner_nudged"]
    assert [(n.recipient_user_id, n.actor_user_id) for n in notices] == [
        (b["user"]["id"], a["user"]["id"])
    ]
    # Neutral: it never says who answered, nor who has not.
    title = str(notices[0].payload["title"])
    assert "answered" not in title and "behind" not in title and "you haven't" not in title


def test_once_per_couple_day(client: TestClient, clock: FrozenClock) -> None:
    a, b = couple_in_paris(client)
    answer(client, a, today(client, a))
    assert nudge(client, a).status_code == 202
    again = refused(nudge(client, a), "already-nudged")
    assert again["next_nudge_at"] == NEXT_DAY_STARTS
    # At 03:59 Paris the couple's day has not yet turned; at 04:00 it has.
    clock.set(datetime(2026, 11, 27, 2, 59, tzinfo=UTC))
    refused(nudge(client, renewed(client, a)), "already-nudged")


def test_a_new_day_a_new_nudge(client: TestClient, clock: FrozenClock) -> None:
    a, b = couple_in_paris(client)
    answer(client, a, today(client, a))
    assert nudge(client, a).status_code == 202
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    a, b = renewed(client, a), renewed(client, b)
    refused(nudge(client, a), "answer-first")
    answer(client, b, today(client, b))
    sent = nudge(client, b)
    assert sent.status_code == 202 and sent.json()["next_nudge_at"] == "2026-11-28T03:00:00Z"


def test_only_after_answering(client: TestClient) -> None:
    a, b = couple_in_paris(client)
    refused(nudge(client, a), "answer-first")
    answer(client, b, today(client, b))
    refused(nudge(client, a), "answer-first")


def test_not_when_both_answered(client: TestClient) -> None:
    a, b = couple_in_paris(client)
    assignment = today(client, a)
    answer(client, a, assignment)
    answer(client, b, assignment)
    refused(nudge(client, a), "partner-answered")


def test_a_partner_who_turned_nudges_off_is_never_nudged(client: TestClient, app: FastAPI) -> None:
    a, b = couple_in_paris(client)
    off = client.patch("/v1/me", json={"nudges": False}, headers=bearer(b))
    assert off.status_code == 200 and off.json()["nudges"] is False
    # Said first, so it tells nothing of either day: not whether anyone answered.
    problem = refused(nudge(client, a), "nudges-off")
    assert problem["detail"] == "Your partner has turned nudges off."
    answer(client, a, today(client, a))
    refused(nudge(client, a), "nudges-off")
    assert not [row for row in queued_pushes(app) if row.kind == "partner_nudged"]
    client.patch("/v1/me", json={"nudges": True}, headers=bearer(b)).raise_for_status()
    assert nudge(client, a).status_code == 202


@pytest.mark.parametrize("value", ["false", 0, None])
def test_the_setting_is_a_boolean(client: TestClient, value: object) -> None:
    tokens = register(client)
    response = client.patch("/v1/me", json={"nudges": value}, headers=bearer(tokens))
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "nudges"]
    assert client.get("/v1/me", headers=bearer(tokens)).json()["nudges"] is True


def test_not_linked_and_not_with_an_api_token(client: TestClient) -> None:
    assert_problem(nudge(client, register(client)), 404)
    a, _ = couple_in_paris(client)
    token = token_bearer(api_token(client, a, "answers:write", "couple:read"))
    assert_problem(client.post("/v1/couple/nudge", headers=token), 403)


def test_not_while_paused(client: TestClient) -> None:
    a, _ = couple_in_paris(client)
    answer(client, a, today(client, a))
    pause = {"until": (MORNING + timedelta(days=2)).date().isoformat()}
    client.put("/v1/couple/pause", json=pause, headers=bearer(a)).raise_for_status()
    refused(nudge(client, a), "paused")
