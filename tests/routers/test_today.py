"""GET /v1/today: the day's assignment, made once, chosen as SPEC.md §5 says."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.models.content import CONTENT_TABLES
from tests.concurrency.calls import Call, at_once
from tests.factories import answer, bearer, make_couple, register, renewed, today
from tests.support import FrozenClock, assert_problem, count_statements, empty_tables

pytestmark = pytest.mark.usefixtures("content")


def next_day(client: TestClient, clock: FrozenClock, *people: dict[str, Any]) -> list[Any]:
    clock.advance(timedelta(days=1))
    return [renewed(client, tokens) for tokens in people]


class TestToday:
    def test_same_for_both_partners(self, client: TestClient) -> None:
        a, b = make_couple(client)
        seen_by_a, seen_by_b = today(client, a), today(client, b)
        assert seen_by_a["id"] == seen_by_b["id"]
        assert seen_by_a["kind"] == "daily"
        assert seen_by_a["exercise"]["id"] == seen_by_b["exercise"]["id"]
        assert seen_by_a["my_answer"] is None and seen_by_a["partner_answer"] is None
        assert seen_by_a["partner_status"] == "pending" and seen_by_a["revealed"] is False
        response = client.get("/v1/today", headers=bearer(a))
        assert response.headers["cache-control"] == "no-store"

    def test_needs_a_token(self, client: TestClient) -> None:
        assert_problem(client.get("/v1/today"), 401)

    def test_the_day_follows_the_couples_zone_and_day_start(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        clock.set(datetime(2026, 7, 1, 1, 30, tzinfo=UTC))  # 03:30 in Paris (UTC+2)
        a, b = make_couple(client, timezone="Europe/Paris")
        assert today(client, a)["local_date"] == "2026-06-30"
        clock.set(datetime(2026, 7, 1, 2, 0, tzinfo=UTC))  # 04:00 in Paris: a new day
        a, b = renewed(client, a), renewed(client, b)
        assert today(client, b)["local_date"] == "2026-07-01"
        client.patch("/v1/couple", json={"day_starts_at": "00:00"}, headers=bearer(a))
        clock.set(datetime(2026, 7, 1, 22, 30, tzinfo=UTC))  # 00:30 on 2 July in Paris
        a = renewed(client, a)
        assert today(client, a)["local_date"] == "2026-07-02"

    def test_across_a_dst_change(self, client: TestClient, clock: FrozenClock) -> None:
        # New York springs forward on 8 March 2026: the day still starts at 04:00 local.
        clock.set(datetime(2026, 3, 8, 7, 59, tzinfo=UTC))  # 03:59 EDT
        a, _ = make_couple(client, timezone="America/New_York")
        assert today(client, a)["local_date"] == "2026-03-07"
        clock.set(datetime(2026, 3, 8, 8, 0, tzinfo=UTC))  # 04:00 EDT
        assert today(client, renewed(client, a))["local_date"] == "2026-03-08"

    def test_across_the_date_line(self, client: TestClient, clock: FrozenClock) -> None:
        clock.set(datetime(2026, 6, 1, 16, 0, tzinfo=UTC))
        east, _ = make_couple(client, timezone="Pacific/Kiritimati")
        west, _ = make_couple(client, timezone="Pacific/Pago_Pago")
        assert today(client, east)["local_date"] == "2026-06-02"
        assert today(client, west)["local_date"] == "2026-06-01"

    def test_no_repeats_and_never_sensitive_unless_chosen(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        a, b = make_couple(client)
        seen = []
        for _ in range(40):
            assignment = today(client, a)
            seen.append(assignment["exercise"])
            a, b = next_day(client, clock, a, b)
        assert len({e["id"] for e in seen}) == 40
        assert not any(e["theme"] == "hard-seasons" for e in seen)
        assert len(Counter(e["theme"] for e in seen)) >= 5  # spread over the themes

    def test_focus_themes_and_chosen_sensitive_theme(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        a, b = make_couple(client)
        response = client.patch(
            "/v1/couple", json={"focus_themes": ["hard-seasons", "trust"]}, headers=bearer(a)
        )
        assert response.status_code == 200
        themes = set()
        for _ in range(12):
            themes.add(today(client, a)["exercise"]["theme"])
            a, b = next_day(client, clock, a, b)
        assert themes == {"hard-seasons", "trust"}

    def test_unknown_focus_theme(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        response = client.patch("/v1/couple", json={"focus_themes": ["nope"]}, headers=bearer(a))
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "focus_themes"]

    def test_a_theme_that_runs_out_brings_back_the_longest_unseen(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        a, b = make_couple(client)
        client.patch("/v1/couple", json={"focus_themes": ["trust"]}, headers=bearer(a))
        # Nobody answers, so the couple stays at depth 1: trust's light exercises are all
        # it may get (tests/routers/test_deepening.py).
        light = {"theme": "trust", "depth": 1, "limit": 100}
        trust = len(client.get("/v1/exercises", params=light, headers=bearer(a)).json()["items"])
        assert trust >= 5
        first_round = []
        for _ in range(trust):
            first_round.append(today(client, a)["exercise"]["id"])
            a, b = next_day(client, clock, a, b)
        assert len(set(first_round)) == trust
        again = today(client, a)["exercise"]["id"]
        assert again == first_round[0]  # the one unseen for the longest

    def test_choice_is_deterministic(self, client: TestClient, app: FastAPI) -> None:
        from api.services.assignments.delivery import choose_daily_exercise

        catalog = app.state.runtime.catalog.current()
        themes = catalog.everyday_theme_slugs()
        picks = {
            choose_daily_exercise(catalog, themes, {}, seed).id for _ in range(3) for seed in [7]
        }
        assert len(picks) == 1


class TestJourney:
    def test_days_in_order_then_back_to_themes(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        a, b = make_couple(client)
        journey = client.get("/v1/journeys/seven-days-of-trust", headers=bearer(a)).json()
        response = client.put(
            "/v1/couple/journey", json={"slug": "seven-days-of-trust"}, headers=bearer(a)
        )
        assert response.status_code == 200
        assert response.json()["journey"]["days_given"] == 0
        given = []
        for _ in journey["days"]:
            assignment = today(client, b)
            assert assignment["kind"] == "journey"
            given.append(assignment["exercise"]["id"])
            a, b = next_day(client, clock, a, b)
        assert given == journey["days"]
        assert today(client, a)["kind"] == "daily"
        assert client.get("/v1/couple", headers=bearer(a)).json()["journey"] is None

    def test_stop_and_unknown(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        assert_problem(
            client.put("/v1/couple/journey", json={"slug": "nope"}, headers=bearer(a)), 404
        )
        client.put("/v1/couple/journey", json={"slug": "laughing-again"}, headers=bearer(a))
        assert client.delete("/v1/couple/journey", headers=bearer(a)).status_code == 204
        assert client.get("/v1/couple", headers=bearer(a)).json()["journey"] is None
        assert today(client, a)["kind"] == "daily"


class TestSolo:
    def test_unlinked_user_gets_a_solo_exercise(self, client: TestClient) -> None:
        alone = register(client)
        assignment = today(client, alone)
        assert assignment["kind"] == "solo"
        assert assignment["partner_status"] is None
        answered = answer(client, alone, assignment, "solo secret")
        assert answered["my_answer"]["content"]["type"] == assignment["exercise"]["type"]
        assert answered["revealed"] is False

    def test_solo_answers_never_reach_a_later_partner(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        alone = register(client)
        solo = today(client, alone)
        answer(client, alone, solo, "written before we met")
        partner = register(client)
        code = client.post("/v1/couple/invite", headers=bearer(alone)).json()["code"]
        client.post("/v1/couple/join", json={"code": code}, headers=bearer(partner))
        assert_problem(client.get(f"/v1/assignments/{solo['id']}", headers=bearer(partner)), 404)
        history = client.get("/v1/assignments", headers=bearer(partner)).text
        assert solo["id"] not in history and "written before we met" not in history
        # The author still has it, next to the couple's.
        mine = client.get("/v1/assignments", headers=bearer(alone)).json()["items"]
        assert solo["id"] in {item["id"] for item in mine}
        assert today(client, alone)["kind"] == "daily"


class TestCreationRace:
    def test_both_partners_at_the_same_instant_get_one_assignment(
        self, client: TestClient, live_server: str, clock: FrozenClock
    ) -> None:
        a, b = make_couple(client)
        for _ in range(5):
            calls = [Call("GET", "/v1/today", bearer(t)) for t in (a, b, a, b)]
            responses = at_once(live_server, calls)
            assert [r.status_code for r in responses] == [200] * 4
            ids = {r.json()["id"] for r in responses}
            assert len(ids) == 1
            a, b = next_day(client, clock, a, b)


class TestQueryCount:
    def test_today_costs_the_same_however_long_the_history(
        self, client: TestClient, app: FastAPI, clock: FrozenClock
    ) -> None:
        a, b = make_couple(client)
        counts = []
        for days in (3, 30):
            while (
                len(client.get("/v1/assignments?limit=100", headers=bearer(a)).json()["items"])
                < days
            ):
                answer(client, a, today(client, a))
                answer(client, b, today(client, b))
                a, b = next_day(client, clock, a, b)
            today(client, a)  # made; now count a plain read
            counts.append(count_statements(app, partial(today, client, a)))
        assert counts[0] == counts[1] <= 6


def test_no_content_loaded_is_a_503_not_a_crash(client: TestClient, mutable_content: None) -> None:
    empty_tables(client.app.state.runtime.settings.database_url, CONTENT_TABLES)
    client.app.state.runtime.catalog.invalidate()
    response = client.get("/v1/today", headers=bearer(register(client)))
    assert_problem(response, 503)
