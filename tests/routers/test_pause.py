"""The pause through HTTP: no daily while paused, the streak neither grows nor breaks (with a
frozen clock across a daylight saving change), either partner pauses and resumes, the other
is told, and the limits: 14 days ahead, 30 paused days in any 90."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.kernel.errors import PROBLEM_TYPE_BASE
from tests.factories import (
    PASSWORD,
    answer,
    bearer,
    login,
    make_couple,
    register,
    renewed,
    today,
)
from tests.support import FrozenClock, assert_problem, pull_all, queued_pushes

pytestmark = pytest.mark.usefixtures("content")

# Noon in Paris (CET) on 26 November 2026.
NOON = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def noon(clock: FrozenClock) -> None:
    clock.set(NOON)


def pause(client: TestClient, tokens: dict[str, Any], until: date, **body: Any) -> Any:
    return client.put(
        "/v1/couple/pause", json={"until": until.isoformat()} | body, headers=bearer(tokens)
    )


def resume(client: TestClient, tokens: dict[str, Any]) -> Any:
    return client.delete("/v1/couple/pause", headers=bearer(tokens))


def paused_problem(client: TestClient, tokens: dict[str, Any]) -> dict[str, Any]:
    problem = assert_problem(client.get("/v1/today", headers=bearer(tokens)), 409)
    assert problem["type"] == PROBLEM_TYPE_BASE + "paused"
    return problem


def couple_in_paris(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return make_couple(client, timezone="Europe/Paris")


class TestPausing:
    def test_no_daily_while_paused_for_either(self, client: TestClient) -> None:
        a, b = couple_in_paris(client)
        made = pause(client, a, TODAY + timedelta(days=3), reason="Flu, both of us.")
        assert made.status_code == 201, made.text
        body = made.json()
        assert (body["starts_on"], body["until"], body["paused_by"]) == (
            "2026-11-26",
            "2026-11-29",
            a["user"]["id"],
        )
        for tokens in (a, b):
            assert paused_problem(client, tokens)["paused_until"] == "2026-11-29"
            couple = client.get("/v1/couple", headers=bearer(tokens)).json()
            assert couple["pause"]["reason"] == "Flu, both of us."
        # No assignment was made while paused.
        assert client.get("/v1/assignments", headers=bearer(a)).json()["items"] == []

    def test_the_partner_changes_and_resumes_it_and_each_time_the_other_is_told(
        self, client: TestClient, app: FastAPI
    ) -> None:
        a, b = couple_in_paris(client)
        pause(client, a, TODAY + timedelta(days=3)).raise_for_status()
        changed = pause(client, b, TODAY + timedelta(days=5))
        assert changed.status_code == 200 and changed.json()["until"] == "2026-12-01"
        assert changed.json()["starts_on"] == "2026-11-26"
        assert resume(client, a).status_code == 204
        assert today(client, b)["local_date"] == "2026-11-26"
        assert client.get("/v1/couple", headers=bearer(a)).json()["pause"] is None
        told = [
            (row.kind, row.recipient_user_id, row.actor_user_id)
            for row in sorted(queued_pushes(app), key=lambda row: row.created_at)
            if row.kind.startswith("couple_")
        ]
        a_id, b_id = a["user"]["id"], b["user"]["id"]
        assert sorted(told) == sorted(
            [
                ("couple_paused", b_id, a_id),
                ("couple_paused", a_id, b_id),
                ("couple_resumed", b_id, a_id),
            ]
        )

    def test_the_same_pause_sent_again_changes_nothing_and_tells_no_one_again(
        self, client: TestClient, app: FastAPI
    ) -> None:
        a, b = couple_in_paris(client)
        until = TODAY + timedelta(days=3)
        first = pause(client, a, until, reason="Travel")
        assert first.status_code == 201
        _, cursor = pull_all(client, b)
        again = pause(client, a, until, reason="Travel")
        assert again.status_code == 200 and again.json() == first.json()
        assert pull_all(client, b, cursor)[0] == []
        told = [row.kind for row in queued_pushes(app) if row.kind.startswith("couple_")]
        assert told == ["couple_paused"]
        assert pause(client, a, until, reason="Travel, longer").status_code == 200
        told = [row.kind for row in queued_pushes(app) if row.kind.startswith("couple_")]
        assert told == ["couple_paused", "couple_paused"]

    def test_resuming_when_not_paused_changes_nothing(self, client: TestClient) -> None:
        a, _ = couple_in_paris(client)
        assert resume(client, a).status_code == 204
        assert today(client, a)["local_date"] == "2026-11-26"

    def test_a_pause_ends_after_its_last_day(self, client: TestClient, clock: FrozenClock) -> None:
        a, _ = couple_in_paris(client)
        pause(client, a, TODAY + timedelta(days=1)).raise_for_status()
        clock.advance(timedelta(days=1))
        paused_problem(client, a := renewed(client, a))
        clock.advance(timedelta(days=1))
        assert today(client, a := renewed(client, a))["local_date"] == "2026-11-28"

    @pytest.mark.parametrize(
        "body",
        [
            {"until": (TODAY - timedelta(days=1)).isoformat()},
            {"until": (TODAY + timedelta(days=15)).isoformat()},
            {"until": "26/11/2026"},
            {"until": 20261126},
            {},
            {"until": TODAY.isoformat(), "reason": ""},
            {"until": TODAY.isoformat(), "starts_on": TODAY.isoformat()},
        ],
    )
    def test_invalid_bodies(self, client: TestClient, body: dict[str, Any]) -> None:
        a, _ = couple_in_paris(client)
        response = client.put("/v1/couple/pause", json=body, headers=bearer(a))
        assert_problem(response, 422)
        assert today(client, a)["local_date"] == "2026-11-26"

    def test_fourteen_days_ahead_is_the_furthest(self, client: TestClient) -> None:
        a, _ = couple_in_paris(client)
        assert pause(client, a, TODAY + timedelta(days=14)).status_code == 201

    def test_at_most_thirty_paused_days_in_ninety(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        a, b = couple_in_paris(client)
        assert pause(client, a, TODAY + timedelta(days=14)).status_code == 201  # 15 days
        clock.advance(timedelta(days=15))
        a, b = renewed(client, a), renewed(client, b)
        assert pause(client, b, TODAY + timedelta(days=29)).status_code == 201  # 15 more
        clock.advance(timedelta(days=15))
        a = renewed(client, a)
        problem = assert_problem(pause(client, a, TODAY + timedelta(days=30)), 409)
        assert problem["type"] == PROBLEM_TYPE_BASE + "pause-limit"
        assert problem["days_left"] == 0
        # Once the first pause has left the window, there is room again.
        clock.advance(timedelta(days=60))
        a = login(client, a["user"]["email"]).json()  # the refresh token idled out
        assert pause(client, a, TODAY + timedelta(days=90)).status_code == 201

    def test_not_linked(self, client: TestClient) -> None:
        assert_problem(pause(client, register(client), TODAY), 404)
        assert_problem(resume(client, register(client)), 404)


class TestStreak:
    def streak(self, client: TestClient, tokens: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = client.get("/v1/couple", headers=bearer(tokens)).json()["streak"]
        return found

    def both_answer(self, client: TestClient, a: dict[str, Any], b: dict[str, Any]) -> None:
        assignment = today(client, a)
        answer(client, a, assignment)
        answer(client, b, assignment)

    def test_paused_days_neither_grow_nor_break_it_across_a_clock_change(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        # Paris leaves summer time at 03:00 on Sunday 25 October 2026: that couple day lasts
        # 25 hours. The clock moves a day (24 h) at a time, at noon local, then 11:00 local.
        clock.set(datetime(2026, 10, 20, 10, 0, tzinfo=UTC))
        a, b = couple_in_paris(client)
        for _ in range(3):  # 20, 21, 22 October
            self.both_answer(client, a, b)
            clock.advance(timedelta(days=1))
            a, b = renewed(client, a), renewed(client, b)
        assert self.streak(client, a) == {"current": 3, "longest": 3, "freezes_available": 1}
        pause(client, a, date(2026, 10, 26)).raise_for_status()  # 23 to 26 October
        for _ in range(4):
            paused_problem(client, a)
            assert self.streak(client, b)["current"] == 3
            clock.advance(timedelta(days=1))
            a, b = renewed(client, a), renewed(client, b)
        assert today(client, a)["local_date"] == "2026-10-27"
        self.both_answer(client, a, b)
        # Four days without answers, none of them missed: no freeze spent, no break.
        assert self.streak(client, a) == {"current": 4, "longest": 4, "freezes_available": 1}

    def test_without_the_pause_those_days_would_break_it(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        clock.set(datetime(2026, 10, 20, 10, 0, tzinfo=UTC))
        a, b = couple_in_paris(client)
        for _ in range(3):
            self.both_answer(client, a, b)
            clock.advance(timedelta(days=1))
            a, b = renewed(client, a), renewed(client, b)
        clock.advance(timedelta(days=4))
        a, b = renewed(client, a), renewed(client, b)
        self.both_answer(client, a, b)
        assert self.streak(client, a)["current"] == 1

    def test_resumed_the_same_day_leaves_no_paused_day(self, client: TestClient) -> None:
        a, b = couple_in_paris(client)
        _, cursor = pull_all(client, b)
        pause(client, a, TODAY + timedelta(days=2)).raise_for_status()
        resume(client, b).raise_for_status()
        changes, _ = pull_all(client, b, cursor)
        assert sorted((c["entity"], c["op"]) for c in changes) == [
            ("couple", "upsert"),
            ("pause", "delete"),
        ]
        assert [c["data"]["paused_until"] for c in changes if c["entity"] == "couple"] == [None]
        self.both_answer(client, a, b)
        assert self.streak(client, a)["current"] == 1


class TestSyncAndPrivacy:
    def test_synced_as_rest_shows_it(self, client: TestClient) -> None:
        a, b = couple_in_paris(client)
        made = pause(client, a, TODAY + timedelta(days=2), reason="Travelling").json()
        changes, _ = pull_all(client, b)
        synced = [c for c in changes if c["entity"] == "pause"]
        assert [(c["id"], c["op"], c["data"]) for c in synced] == [(made["id"], "upsert", made)]

    def test_in_the_pausers_export_and_gone_with_their_account(self, client: TestClient) -> None:
        a, b = couple_in_paris(client)
        pause(client, a, TODAY + timedelta(days=2), reason="A-reason").raise_for_status()
        export = client.get("/v1/me/export", headers=bearer(a)).json()
        assert [(p["until"], p["reason"]) for p in export["pauses"]] == [("2026-11-28", "A-reason")]
        assert client.get("/v1/me/export", headers=bearer(b)).json()["pauses"] == []
        erased = client.request("DELETE", "/v1/me", json={"password": PASSWORD}, headers=bearer(a))
        assert erased.status_code == 204
        assert today(client, b)["kind"] == "solo"

    def test_a_former_partner_is_not_paused_and_sees_no_reason(self, client: TestClient) -> None:
        a, b = couple_in_paris(client)
        pause(client, a, TODAY + timedelta(days=2), reason="A-reason").raise_for_status()
        client.delete("/v1/couple", headers=bearer(a)).raise_for_status()
        assert today(client, b)["kind"] == "solo"
        changes, _ = pull_all(client, b)
        assert "A-reason" not in str(changes)
