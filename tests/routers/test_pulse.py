"""The monthly pulse through HTTP: five statements, a score from 0 to 100, private unless both
partners share, and then shown only for months both answered."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import bearer, make_couple, register
from tests.support import FrozenClock, assert_problem, pull_all

pytestmark = pytest.mark.usefixtures("content")

QUESTIONS = ["felt-heard", "time-together", "easy-to-repair", "felt-appreciated", "looking-forward"]


@pytest.fixture(autouse=True)
def late_november(clock: FrozenClock) -> None:
    clock.set(datetime(2026, 11, 26, 11, 0, tzinfo=UTC))


def scores(*values: int) -> dict[str, Any]:
    # Fewer values than statements: a pulse that leaves some out.
    paired = zip(QUESTIONS, values, strict=False)
    return {"answers": [{"question_id": q, "score": s} for q, s in paired]}


def put_pulse(client: TestClient, tokens: dict[str, Any], month: str, *values: int) -> Any:
    return client.put(f"/v1/pulse/{month}", json=scores(*values), headers=bearer(tokens))


def share(client: TestClient, tokens: dict[str, Any], on: bool = True) -> None:
    response = client.patch("/v1/me", json={"share_pulse": on}, headers=bearer(tokens))
    assert response.status_code == 200 and response.json()["share_pulse"] is on


def trend(client: TestClient, tokens: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get("/v1/couple/stats", headers=bearer(tokens))
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["pulse_trend"]
    return found


class TestQuestions:
    def test_five_statements_in_english_and_spanish(self, client: TestClient) -> None:
        tokens = register(client)
        english = client.get("/v1/pulse/questions", headers=bearer(tokens))
        assert english.status_code == 200
        body = english.json()
        assert [q["id"] for q in body["questions"]] == QUESTIONS
        assert (body["min_score"], body["max_score"]) == (1, 5)
        spanish = client.get(
            "/v1/pulse/questions", headers=bearer(tokens) | {"Accept-Language": "es"}
        )
        assert spanish.headers["content-language"] == "es"
        assert [q["id"] for q in spanish.json()["questions"]] == QUESTIONS
        assert spanish.json()["questions"][0]["statement"] != body["questions"][0]["statement"]


class TestAnswering:
    def test_scored_from_0_to_100_and_replaced(self, client: TestClient) -> None:
        tokens = register(client)
        lowest = put_pulse(client, tokens, "2026-11", 1, 1, 1, 1, 1)
        assert lowest.status_code == 201, lowest.text
        assert lowest.json()["score"] == 0
        highest = put_pulse(client, tokens, "2026-11", 5, 5, 5, 5, 5)
        assert highest.status_code == 200 and highest.json()["score"] == 100
        assert put_pulse(client, tokens, "2026-10", 4, 3, 4, 5, 4).json()["score"] == 75
        mine = client.get("/v1/pulse/2026-11", headers=bearer(tokens))
        assert mine.status_code == 200 and mine.headers["cache-control"] == "no-store"
        assert mine.json()["answers"] == scores(5, 5, 5, 5, 5)["answers"]

    def test_not_answered_is_not_found(self, client: TestClient) -> None:
        assert_problem(client.get("/v1/pulse/2026-11", headers=bearer(register(client))), 404)

    @pytest.mark.parametrize("month", ["2026-12", "2027-01"])
    def test_not_a_month_to_come(self, client: TestClient, month: str) -> None:
        tokens = register(client)
        problem = assert_problem(put_pulse(client, tokens, month, 3, 3, 3, 3, 3), 422)
        assert problem["errors"][0]["loc"] == ["path", "month"]
        assert_problem(client.get(f"/v1/pulse/{month}", headers=bearer(tokens)), 404)

    @pytest.mark.parametrize("month", ["2026-13", "2026-00"])
    def test_not_a_month(self, client: TestClient, month: str) -> None:
        tokens = register(client)
        assert_problem(put_pulse(client, tokens, month, 3, 3, 3, 3, 3), 422)
        assert_problem(client.get(f"/v1/pulse/{month}", headers=bearer(tokens)), 422)

    @pytest.mark.parametrize("month", ["2026-1", "november", "2026-11-01"])
    def test_not_shaped_like_a_month_is_no_path(self, client: TestClient, month: str) -> None:
        tokens = register(client)
        assert_problem(put_pulse(client, tokens, month, 3, 3, 3, 3, 3), 404)
        assert_problem(client.get(f"/v1/pulse/{month}", headers=bearer(tokens)), 404)

    def test_the_questions_are_no_month(self, client: TestClient) -> None:
        tokens = register(client)
        response = put_pulse(client, tokens, "questions", 3, 3, 3, 3, 3)
        assert assert_problem(response, 405)
        assert response.headers["allow"] == "GET"

    @pytest.mark.parametrize(
        "body",
        [
            scores(3, 3, 3, 3),
            scores(3, 3, 3, 3, 0),
            scores(3, 3, 3, 3, 6),
            {"answers": [{"question_id": q, "score": "3"} for q in QUESTIONS]},
            {"answers": [{"question_id": "felt-heard", "score": 3}] * 5},
            {"answers": [{"question_id": q, "score": 3} for q in [*QUESTIONS[:4], "other"]]},
            scores(3, 3, 3, 3, 3) | {"score": 100},
            {},
        ],
    )
    def test_each_statement_scored_once(self, client: TestClient, body: dict[str, Any]) -> None:
        tokens = register(client)
        assert_problem(client.put("/v1/pulse/2026-11", json=body, headers=bearer(tokens)), 422)
        assert_problem(client.get("/v1/pulse/2026-11", headers=bearer(tokens)), 404)

    def test_the_partner_never_reads_mine(self, client: TestClient) -> None:
        a, b = make_couple(client)
        share(client, a)
        share(client, b)
        put_pulse(client, a, "2026-11", 2, 2, 2, 2, 2).raise_for_status()
        assert_problem(client.get("/v1/pulse/2026-11", headers=bearer(b)), 404)
        changes, _ = pull_all(client, b)
        assert [c for c in changes if c["entity"] == "pulse"] == []
        mine, _ = pull_all(client, a)
        synced = [c["data"] for c in mine if c["entity"] == "pulse"]
        assert synced == [client.get("/v1/pulse/2026-11", headers=bearer(a)).json()]


class TestTrend:
    def answer_months(self, client: TestClient, a: dict[str, Any], b: dict[str, Any]) -> None:
        put_pulse(client, a, "2026-09", 3, 3, 3, 3, 3).raise_for_status()  # 50, only a
        put_pulse(client, a, "2026-10", 4, 4, 4, 4, 4).raise_for_status()  # 75
        put_pulse(client, b, "2026-10", 5, 5, 5, 5, 5).raise_for_status()  # 100
        put_pulse(client, b, "2026-11", 1, 1, 1, 1, 1).raise_for_status()  # 0, only b

    def test_private_by_default(self, client: TestClient) -> None:
        a, b = make_couple(client)
        self.answer_months(client, a, b)
        assert trend(client, a) == [
            {"month": "2026-09", "score": 50, "partner_score": None},
            {"month": "2026-10", "score": 75, "partner_score": None},
        ]
        assert trend(client, b) == [
            {"month": "2026-10", "score": 100, "partner_score": None},
            {"month": "2026-11", "score": 0, "partner_score": None},
        ]

    def test_one_sharing_is_not_enough(self, client: TestClient) -> None:
        a, b = make_couple(client)
        self.answer_months(client, a, b)
        share(client, b)
        assert all(point["partner_score"] is None for point in trend(client, a))
        assert all(point["partner_score"] is None for point in trend(client, b))

    def test_both_sharing_shows_the_months_both_answered(self, client: TestClient) -> None:
        a, b = make_couple(client)
        self.answer_months(client, a, b)
        share(client, a)
        share(client, b)
        assert trend(client, a) == [
            {"month": "2026-09", "score": 50, "partner_score": None},
            {"month": "2026-10", "score": 75, "partner_score": 100},
        ]
        assert trend(client, b)[0] == {"month": "2026-10", "score": 100, "partner_score": 75}
        share(client, a, on=False)
        assert all(point["partner_score"] is None for point in trend(client, b))

    @pytest.mark.parametrize("value", ["true", 1, None])
    def test_the_setting_is_a_boolean(self, client: TestClient, value: object) -> None:
        tokens = register(client)
        response = client.patch("/v1/me", json={"share_pulse": value}, headers=bearer(tokens))
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "share_pulse"]

    def test_a_former_partner_sees_no_score(self, client: TestClient) -> None:
        a, b = make_couple(client)
        share(client, a)
        share(client, b)
        put_pulse(client, a, "2026-11", 4, 4, 4, 4, 4).raise_for_status()
        client.delete("/v1/couple", headers=bearer(a)).raise_for_status()
        c = register(client)
        code = client.post("/v1/couple/invite", headers=bearer(b)).json()["code"]
        client.post("/v1/couple/join", json={"code": code}, headers=bearer(c)).raise_for_status()
        share(client, c)
        put_pulse(client, b, "2026-11", 2, 2, 2, 2, 2).raise_for_status()
        assert trend(client, b) == [{"month": "2026-11", "score": 25, "partner_score": None}]

    def test_in_my_export_not_my_partners(self, client: TestClient) -> None:
        a, b = make_couple(client)
        put_pulse(client, a, "2026-11", 4, 4, 4, 4, 4).raise_for_status()
        export = client.get("/v1/me/export", headers=bearer(a)).json()
        assert [(p["month"], p["score"]) for p in export["pulses"]] == [("2026-11", 75)]
        assert export["pulses"][0]["answers"] == dict.fromkeys(QUESTIONS, 4)
        assert client.get("/v1/me/export", headers=bearer(b)).json()["pulses"] == []
