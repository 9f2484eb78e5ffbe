"""Check-ins, the streak and the couple's stats through HTTP."""

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import answer, bearer, make_couple, register, renewed, today
from tests.support import FrozenClock, assert_problem

pytestmark = pytest.mark.usefixtures("content")


def check_in(client: TestClient, tokens: dict[str, Any], **body: Any) -> Any:
    return client.post("/v1/checkins", json={"mood": 3} | body, headers=bearer(tokens))


class TestCheckIns:
    def test_one_per_day_a_second_replaces(self, client: TestClient) -> None:
        tokens = register(client)
        first = check_in(client, tokens, mood=2, id="phone-1")
        assert first.status_code == 201 and first.json()["id"] == "phone-1"
        second = check_in(client, tokens, mood=5, note="better now")
        assert second.status_code == 200
        assert second.json()["id"] == "phone-1" and second.json()["mood"] == 5
        items = client.get("/v1/checkins", headers=bearer(tokens)).json()["items"]
        assert [(c["mood"], c["note"]) for c in items] == [(5, "better now")]

    @pytest.mark.parametrize("body", [{"mood": 0}, {"mood": 6}, {"mood": 3, "note": ""}])
    def test_validation(self, client: TestClient, body: dict[str, Any]) -> None:
        assert_problem(
            client.post("/v1/checkins", json=body, headers=bearer(register(client))), 422
        )

    def test_partner_sees_mine_only_while_linked(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        alone = register(client)
        check_in(client, alone, mood=1, note="before we linked")
        clock.advance(timedelta(days=1))
        alone = renewed(client, alone)
        partner = register(client)
        code = client.post("/v1/couple/invite", headers=bearer(alone)).json()["code"]
        client.post("/v1/couple/join", json={"code": code}, headers=bearer(partner))
        check_in(client, alone, mood=4, note="together now")
        seen = client.get("/v1/checkins", headers=bearer(partner)).json()["items"]
        assert [c["note"] for c in seen] == ["together now"]
        client.delete("/v1/couple", headers=bearer(partner))
        assert client.get("/v1/checkins", headers=bearer(partner)).json()["items"] == []
        mine = client.get("/v1/checkins", headers=bearer(alone)).json()["items"]
        assert [c["note"] for c in mine] == ["before we linked", "together now"]

    def test_range(self, client: TestClient) -> None:
        tokens = register(client)
        too_wide = client.get("/v1/checkins?from=2025-01-01&to=2026-06-01", headers=bearer(tokens))
        assert_problem(too_wide, 422)
        backwards = client.get("/v1/checkins?from=2026-06-02&to=2026-06-01", headers=bearer(tokens))
        assert_problem(backwards, 422)
        assert_problem(client.get("/v1/checkins?from=yesterday", headers=bearer(tokens)), 422)

    def test_pages_like_every_list(self, client: TestClient, clock: FrozenClock) -> None:
        """Oldest day first, `limit` at a time, `next_cursor` null on the last page."""
        partner, me = make_couple(client)
        for day in range(3):
            check_in(client, me, mood=day + 1)
            check_in(client, partner, mood=5)
            clock.advance(timedelta(days=1))
            me, partner = renewed(client, me), renewed(client, partner)
        seen: list[tuple[str, str]] = []
        cursor = None
        while True:
            query = "?limit=4" + (f"&cursor={cursor}" if cursor else "")
            response = client.get(f"/v1/checkins{query}", headers=bearer(me))
            assert response.status_code == 200, response.text
            page = response.json()
            seen += [(item["local_date"], item["user_id"]) for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == 6 and seen == sorted(seen)


class TestStreak:
    def _answer_today(self, client: TestClient, a: dict[str, Any], b: dict[str, Any]) -> None:
        assignment = today(client, a)
        answer(client, a, assignment)
        answer(client, b, assignment)

    # Linked after midnight UTC, before the couple's day starts (04:00): still their day before.
    @pytest.mark.parametrize("linked_at", [time(12, 0), time(0, 30)], ids=["noon", "night"])
    def test_forgiving_streak(
        self, client: TestClient, clock: FrozenClock, linked_at: time
    ) -> None:
        clock.set(datetime.combine(clock.now().date(), linked_at, tzinfo=UTC))
        a, b = make_couple(client)

        def day_passes() -> None:
            nonlocal a, b
            clock.advance(timedelta(days=1))
            a, b = renewed(client, a), renewed(client, b)

        for _ in range(3):
            self._answer_today(client, a, b)
            day_passes()
        streak = client.get("/v1/couple", headers=bearer(a)).json()["streak"]
        assert streak == {"current": 3, "longest": 3, "freezes_available": 1}
        day_passes()  # a missed day: forgiven
        self._answer_today(client, a, b)
        streak = client.get("/v1/couple", headers=bearer(a)).json()["streak"]
        assert streak == {"current": 4, "longest": 4, "freezes_available": 0}
        day_passes()
        day_passes()  # a second miss within seven days breaks it
        self._answer_today(client, a, b)
        stats = client.get("/v1/couple/stats", headers=bearer(b)).json()
        assert stats["streak"] == {"current": 1, "longest": 4, "freezes_available": 1}
        assert stats["answered_together"] == 5

    def test_half_answered_days_do_not_count(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        answer(client, a, today(client, a))
        assert client.get("/v1/couple", headers=bearer(a)).json()["streak"]["current"] == 0


class TestStats:
    def test_themes_and_checkin_trend(self, client: TestClient, clock: FrozenClock) -> None:
        a, b = make_couple(client)
        assignment = today(client, a)
        answer(client, a, assignment)
        answer(client, b, assignment)
        check_in(client, a, mood=2)
        clock.advance(timedelta(days=8))
        a, b = renewed(client, a), renewed(client, b)
        check_in(client, a, mood=4)
        stats = client.get("/v1/couple/stats", headers=bearer(a)).json()
        assert stats["themes_explored"] == [assignment["exercise"]["theme"]]
        me = client.get("/v1/me", headers=bearer(a)).json()["id"]
        trend = {t["user_id"]: t for t in stats["checkin_trend"]}
        assert (trend[me]["last_7_days"], trend[me]["previous_7_days"]) == (4.0, 2.0)
        partner = next(uid for uid in trend if uid != me)
        assert trend[partner]["last_7_days"] is None

    def test_not_linked(self, client: TestClient) -> None:
        assert_problem(client.get("/v1/couple/stats", headers=bearer(register(client))), 404)


def test_export_carries_my_words_with_the_exercise_texts(client: TestClient) -> None:
    a, b = make_couple(client)
    open_one = client.get("/v1/exercises?type=open&limit=1", headers=bearer(a)).json()["items"][0]
    assignment = client.post(
        "/v1/assignments", json={"exercise_id": open_one["id"]}, headers=bearer(a)
    ).json()
    answer(client, a, assignment, "my own words")
    answer(client, b, assignment, "my partner's words")
    client.post(
        f"/v1/assignments/{assignment['id']}/comments",
        json={"body": "my comment"},
        headers=bearer(a),
    )
    check_in(client, a, mood=5, note="my note")
    export = client.get("/v1/me/export", headers=bearer(a)).json()
    [mine] = export["answers"]
    assert mine["exercise_prompt"] == assignment["exercise"]["prompt"]
    assert mine["answer"]["author_id"] == export["profile"]["id"]
    assert [c["body"] for c in export["comments"]] == ["my comment"]
    assert [c["note"] for c in export["checkins"]] == ["my note"]
    assert "my own words" in str(export) and "my partner's words" not in str(export)
