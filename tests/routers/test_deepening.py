"""GET /v1/today deepens (SPEC.md §5, "Deepening"; the rule is `delivery.DEEPENING`): depth 1
for a new couple, depth 2 after 7 revealed days, 3 after 21, a lighter day every fifth day,
solo mode at depth 1-2; a simulated year without a repeat."""

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.kernel.changes import couple_space, solo_space
from api.models import User
from api.schemas.answer import AnswerIn
from api.services.assignments import answering
from api.services.assignments.delivery import is_light_day
from tests.factories import answer, bearer, make_couple, register, sample_answer, today
from tests.support import FrozenClock, walk

pytestmark = pytest.mark.usefixtures("content")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # A simulated year on one sign-in, rather than a token renewal every day.
    year = 400
    return {
        "access_token_ttl_seconds": year * 24 * 3600,
        "refresh_idle_days": year,
        "refresh_absolute_days": year,
    }


@dataclass
class Offer:
    """The exercises a couple with no focus themes may get, by id, with their depths, and
    which of them the couple has had."""

    depths: dict[str, int]
    seen: set[str] = field(default_factory=set)

    def expected_depth(self, allowed: int, light: bool) -> int:
        """The rule, restated: depth 1 on a light day while one is left, else the allowed
        depth with the largest share still unseen, the deeper on a tie."""
        share = {}
        for depth in range(1, allowed + 1):
            ids = [i for i, d in self.depths.items() if d == depth]
            share[depth] = sum(i not in self.seen for i in ids) / len(ids)
        if light and share[1] > 0:
            return 1
        return max(share, key=lambda depth: (share[depth], depth))


@pytest.fixture
def offer(client: TestClient) -> Offer:
    headers = bearer(register(client))
    themes = client.get("/v1/themes", headers=headers).json()["items"]
    everyday = {theme["slug"] for theme in themes if not theme["sensitive"]}
    exercises = walk(client, headers, "/v1/exercises", limit=100)
    return Offer({e["id"]: e["depth"] for e in exercises if e["theme"] in everyday})


def deepest(revealed: int) -> int:
    return 1 if revealed < 7 else 2 if revealed < 21 else 3


def check_depth(offer: Offer, exercise: dict[str, Any], allowed: int, light: bool) -> None:
    """The rule held for one day's exercise, given what the couple had before it."""
    assert exercise["id"] not in offer.seen
    assert exercise["depth"] == offer.depths[exercise["id"]], exercise["id"]
    assert exercise["depth"] == offer.expected_depth(allowed, light), exercise["id"]
    offer.seen.add(exercise["id"])


Answering = Callable[[list[dict[str, Any]], dict[str, Any]], None]


def couple_days(
    client: TestClient,
    clock: FrozenClock,
    days: int,
    *,
    both_answer: bool = True,
    answering: Answering | None = None,
) -> Iterator[tuple[dict[str, Any], bool]]:
    """A new couple's first `days` days: (the day's assignment, whether it is a light day),
    answered by one partner, or by both so that it is revealed. `answering(partners,
    assignment)` has them answer in turn; through HTTP by default."""
    a, b = make_couple(client)
    space = couple_space(client.get("/v1/couple", headers=bearer(a)).json()["id"])
    for _ in range(days):
        assignment = today(client, a)
        yield assignment, is_light_day(space, date.fromisoformat(assignment["local_date"]))
        (answering or answering_through_http(client))([a, b] if both_answer else [a], assignment)
        clock.advance(timedelta(days=1))


def answering_through_http(client: TestClient) -> Answering:
    def answering(partners: list[dict[str, Any]], assignment: dict[str, Any]) -> None:
        for turn, tokens in enumerate(partners):
            assert answer(client, tokens, assignment)["revealed"] is (turn == 1)

    return answering


def answering_through_the_service(app: FastAPI, clock: FrozenClock) -> Answering:
    """Answers as `PUT /v1/assignments/{id}/answer` does, both in one transaction, without
    HTTP: a year of answers through HTTP makes the test slow, and the answer endpoint is
    tested on its own (tests/routers/test_answers.py)."""
    runtime = app.state.runtime

    def answer_both(partners: list[dict[str, Any]], assignment: dict[str, Any]) -> None:
        body = AnswerIn.model_validate(sample_answer(assignment["exercise"]))
        catalog, now = runtime.catalog.current(), clock.now()
        with runtime.database.session(write=True) as db:
            for turn, tokens in enumerate(partners):
                user = db.get_one(User, tokens["user"]["id"])
                found = answering.assignment_for(db, user, assignment["id"])
                answering.put_answer(db, catalog, user, found, body, if_match=None, now=now)
                assert (found.revealed_at is not None) is (turn == 1)
            db.commit()

    return answer_both


class TestDeepening:
    def test_depth_one_for_seven_days_then_two_then_three(
        self, client: TestClient, clock: FrozenClock, offer: Offer
    ) -> None:
        depths, lights = [], []
        for revealed, (assignment, light) in enumerate(couple_days(client, clock, 30)):
            assert assignment["kind"] == "daily"
            check_depth(offer, assignment["exercise"], deepest(revealed), light)
            depths.append(assignment["exercise"]["depth"])
            lights.append(light)
        assert depths[:7] == [1] * 7
        assert 3 not in depths[7:21]
        # A newly allowed depth comes first, on the first day that is not a light one.
        assert depths[next(day for day in range(7, 30) if not lights[day])] == 2
        assert depths[next(day for day in range(21, 30) if not lights[day])] == 3

    def test_a_light_day_every_fifth_day(
        self, client: TestClient, clock: FrozenClock, offer: Offer
    ) -> None:
        days = list(couple_days(client, clock, 40))
        lights = [day for day, (_, light) in enumerate(days) if light]
        assert [later - earlier for earlier, later in itertools.pairwise(lights)] == [5] * 7
        after_the_first_week = [assignment for assignment, light in days[7:] if light]
        assert {a["exercise"]["depth"] for a in after_the_first_week} == {1}
        assert {a["exercise"]["depth"] for a, light in days[21:] if not light} >= {2, 3}

    def test_days_answered_by_one_partner_or_extras_do_not_deepen(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        for assignment, _ in couple_days(client, clock, 9, both_answer=False):
            assert assignment["exercise"]["depth"] == 1
        a, b = make_couple(client)
        extras = walk(client, bearer(a), "/v1/exercises", depth=3, limit=100)[:8]
        for exercise in extras:
            made = client.post(
                "/v1/assignments", json={"exercise_id": exercise["id"]}, headers=bearer(a)
            ).json()
            answer(client, a, made)
            assert answer(client, b, made)["revealed"] is True
        for _ in range(3):
            assert today(client, a)["exercise"]["depth"] == 1
            clock.advance(timedelta(days=1))

    def test_in_spanish(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        response = client.get("/v1/today", headers=bearer(a) | {"Accept-Language": "es"})
        assert response.headers["content-language"] == "es"
        exercise = response.json()["exercise"]
        assert exercise["language"] == "es" and exercise["depth"] == 1
        assert exercise["mechanism"] and exercise["title"]


class TestSolo:
    def test_depth_two_after_seven_answered_days_and_never_three(
        self, client: TestClient, clock: FrozenClock, offer: Offer
    ) -> None:
        alone = register(client)
        space = solo_space(alone["user"]["id"])
        depths = []
        for answered in range(35):
            assignment = today(client, alone)
            assert assignment["kind"] == "solo"
            light = is_light_day(space, date.fromisoformat(assignment["local_date"]))
            check_depth(offer, assignment["exercise"], min(deepest(answered), 2), light)
            depths.append(assignment["exercise"]["depth"])
            answer(client, alone, assignment)
            clock.advance(timedelta(days=1))
        assert depths[:7] == [1] * 7 and 2 in depths[7:] and 3 not in depths

    def test_unanswered_solo_days_stay_light(self, client: TestClient, clock: FrozenClock) -> None:
        alone = register(client)
        for _ in range(9):
            assert today(client, alone)["exercise"]["depth"] == 1
            clock.advance(timedelta(days=1))


def test_a_year_of_dailies_without_a_repeat(
    app: FastAPI, client: TestClient, clock: FrozenClock, offer: Offer
) -> None:
    """One couple, 365 days, both answering every day: no exercise twice, and the depth
    rule held on each day, as GET /v1/today delivered it."""
    days = couple_days(client, clock, 365, answering=answering_through_the_service(app, clock))
    given, depths = [], []
    for revealed, (assignment, light) in enumerate(days):
        assert assignment["kind"] == "daily"
        check_depth(offer, assignment["exercise"], deepest(revealed), light)
        given.append(assignment["exercise"]["id"])
        depths.append(assignment["exercise"]["depth"])
    assert len(set(given)) == 365
    # No depth runs out early: the last month still mixes all three.
    assert set(depths[-30:]) == {1, 2, 3}
