"""SPEC.md §4 through HTTP, reading: themes, exercises, journeys, languages, pagination."""

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import bearer, register
from tests.support import assert_problem, walk

TYPES = {"open", "choice", "scale", "guess", "activity"}
MECHANISMS = {
    "self-disclosure",
    "responsiveness",
    "capitalization",
    "gratitude",
    "novelty",
    "love-maps",
    "repair",
    "play",
    "support",
}

pytestmark = pytest.mark.usefixtures("content")


@pytest.fixture
def headers(client: TestClient) -> dict[str, str]:
    return bearer(register(client))


class TestThemes:
    def test_the_eleven_themes_with_their_counts(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        response = client.get("/v1/themes", headers=headers)
        assert response.status_code == 200
        themes = {theme["slug"]: theme for theme in response.json()["items"]}
        assert set(themes) >= {
            "opening-up",
            "vulnerability",
            "trust",
            "active-listening",
            "expressing-emotions",
            "empathy-respect",
            "laughter-play",
            "meaningful-conversations",
            "moments-together",
            "rediscovering-passion",
            "hard-seasons",
        }
        assert len(themes) == 11
        assert [slug for slug, theme in themes.items() if theme["sensitive"]] == ["hard-seasons"]
        assert all(theme["exercise_count"] >= 15 for theme in themes.values())
        every_exercise = walk(client, headers, "/v1/exercises", limit=100)
        assert sum(theme["exercise_count"] for theme in themes.values()) == len(every_exercise)
        trust = walk(client, headers, "/v1/exercises", theme="trust", limit=100)
        assert themes["trust"]["exercise_count"] == len(trust)

    def test_content_may_be_cached_privately(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        response = client.get("/v1/themes", headers=headers)
        assert response.headers["cache-control"] == "private, max-age=60"
        assert response.headers["vary"] == "Accept-Language"
        assert response.headers["content-language"] == "en"

    @pytest.mark.parametrize("path", ["/v1/themes", "/v1/exercises", "/v1/journeys"])
    def test_needs_a_signed_in_caller(self, client: TestClient, path: str) -> None:
        response = client.get(path)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"

    def test_every_theme_in_spanish(self, client: TestClient, headers: dict[str, str]) -> None:
        response = client.get("/v1/themes", headers=headers | {"Accept-Language": "es"})
        themes = {theme["slug"]: theme for theme in response.json()["items"]}
        assert themes["laughter-play"]["title"] == "Risas y juego"
        assert {theme["language"] for theme in themes.values()} == {"es"}
        assert response.headers["content-language"] == "es"


class TestExerciseList:
    def test_a_year_of_exercises(self, client: TestClient, headers: dict[str, str]) -> None:
        """SPEC.md §4: at least 365, every theme at least 25, every type at least 50, each
        tagged with what it works on and how deep it goes."""
        exercises = walk(client, headers, "/v1/exercises", limit=100)
        assert len(exercises) >= 365
        types = Counter(exercise["type"] for exercise in exercises)
        assert set(types) == TYPES
        assert min(types.values()) >= 50, types
        themes = Counter(exercise["theme"] for exercise in exercises)
        assert len(themes) == 11 and min(themes.values()) >= 25, themes
        assert {exercise["mechanism"] for exercise in exercises} == MECHANISMS
        assert {exercise["depth"] for exercise in exercises} == {1, 2, 3}
        # A year of dailies for a couple with no focus themes: the sensitive theme is opt-in.
        assert sum(count for theme, count in themes.items() if theme != "hard-seasons") >= 365

    @pytest.mark.parametrize("mechanism", sorted(MECHANISMS))
    def test_filter_by_mechanism(
        self, client: TestClient, headers: dict[str, str], mechanism: str
    ) -> None:
        found = walk(client, headers, "/v1/exercises", mechanism=mechanism, limit=100)
        assert found and {exercise["mechanism"] for exercise in found} == {mechanism}

    def test_filter_by_depth(self, client: TestClient, headers: dict[str, str]) -> None:
        every = walk(client, headers, "/v1/exercises", limit=100)
        by_depth = [walk(client, headers, "/v1/exercises", depth=d, limit=100) for d in (1, 2, 3)]
        for depth, found in enumerate(by_depth, start=1):
            assert found and {exercise["depth"] for exercise in found} == {depth}
        assert sum(len(found) for found in by_depth) == len(every)
        first = every[0]
        filters = {name: first[name] for name in ("theme", "depth", "mechanism")}
        combined = walk(client, headers, "/v1/exercises", **filters)
        assert first in combined
        assert combined == [e for e in every if all(e[k] == v for k, v in filters.items())]

    @pytest.mark.parametrize(
        ("name", "value"), [("depth", "4"), ("depth", "0"), ("depth", "deep"), ("mechanism", "x")]
    )
    def test_bad_filter(
        self, client: TestClient, headers: dict[str, str], name: str, value: str
    ) -> None:
        response = client.get("/v1/exercises", headers=headers, params={name: value})
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["query", name]

    def test_filters_by_theme_and_type(self, client: TestClient, headers: dict[str, str]) -> None:
        trust = walk(client, headers, "/v1/exercises", theme="trust", limit=100)
        assert trust and {exercise["theme"] for exercise in trust} == {"trust"}
        guesses = walk(client, headers, "/v1/exercises", type="guess", limit=100)
        assert guesses and {exercise["type"] for exercise in guesses} == {"guess"}
        both = walk(client, headers, "/v1/exercises", theme="trust", type="guess")
        assert both == [exercise for exercise in trust if exercise["type"] == "guess"]
        assert walk(client, headers, "/v1/exercises", theme="no-such-theme") == []

    def test_a_walk_neither_repeats_nor_skips(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        everything = [
            exercise["id"] for exercise in walk(client, headers, "/v1/exercises", limit=100)
        ]
        assert everything == sorted(everything)
        in_sevens = [exercise["id"] for exercise in walk(client, headers, "/v1/exercises", limit=7)]
        assert in_sevens == everything

    def test_twenty_by_default(self, client: TestClient, headers: dict[str, str]) -> None:
        body = client.get("/v1/exercises", headers=headers).json()
        assert len(body["items"]) == 20
        assert body["next_cursor"]

    def test_last_page_has_no_cursor(self, client: TestClient, headers: dict[str, str]) -> None:
        themes = client.get("/v1/themes", headers=headers).json()["items"]
        trust = next(theme for theme in themes if theme["slug"] == "trust")["exercise_count"]
        params = {"theme": "trust", "limit": 100}
        body = client.get("/v1/exercises", headers=headers, params=params).json()
        assert len(body["items"]) == trust < 100
        assert body["next_cursor"] is None

    @pytest.mark.parametrize("limit", [0, 101, -1])
    def test_limit_out_of_bounds(
        self, client: TestClient, headers: dict[str, str], limit: int
    ) -> None:
        response = client.get("/v1/exercises", headers=headers, params={"limit": limit})
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["query", "limit"]

    @pytest.mark.parametrize(
        "cursor",
        ["not a cursor", "WzEsMl0", "eyJhIjogMX0", "WzFd", "", "%%%"],
        ids=["garbage", "two-numbers", "object", "a-number", "empty", "percent"],
    )
    def test_bad_cursor(self, client: TestClient, headers: dict[str, str], cursor: str) -> None:
        response = client.get("/v1/exercises", headers=headers, params={"cursor": cursor})
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["query", "cursor"]

    def test_unknown_type(self, client: TestClient, headers: dict[str, str]) -> None:
        response = client.get("/v1/exercises", headers=headers, params={"type": "essay"})
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["query", "type"]


class TestExercise:
    def test_each_type_has_its_fields(self, client: TestClient, headers: dict[str, str]) -> None:
        common = {"id", "theme", "type", "title", "prompt", "why", "version", "retired", "language"}
        common |= {"mechanism", "depth"}
        fields = {
            "open": {"follow_up", "max_length"},
            "choice": {"follow_up", "options", "max_choices"},
            "scale": {"follow_up", "min", "max", "min_label", "max_label"},
            "guess": {"options"},
            "activity": {"steps", "duration_minutes"},
        }
        for exercise_type, extra in fields.items():
            listed = client.get(
                "/v1/exercises", headers=headers, params={"type": exercise_type, "limit": 1}
            ).json()["items"][0]
            exercise = client.get(f"/v1/exercises/{listed['id']}", headers=headers).json()
            assert exercise == listed
            assert set(exercise) == common | extra, exercise_type
            assert exercise["version"] == 1 and exercise["retired"] is False

    def test_unknown_exercise(self, client: TestClient, headers: dict[str, str]) -> None:
        assert_problem(client.get("/v1/exercises/no-such-exercise", headers=headers), 404)

    def test_unknown_version(self, client: TestClient, headers: dict[str, str]) -> None:
        response = client.get("/v1/exercises/trust-01", headers=headers, params={"version": 2})
        assert_problem(response, 404)
        response = client.get("/v1/exercises/trust-01", headers=headers, params={"version": 1})
        assert response.json()["version"] == 1


class TestLanguages:
    def get(
        self, client: TestClient, headers: dict[str, str], exercise_id: str, accept: str
    ) -> Any:
        return client.get(
            f"/v1/exercises/{exercise_id}", headers=headers | {"Accept-Language": accept}
        )

    def test_spanish_pack(self, client: TestClient, headers: dict[str, str]) -> None:
        english = self.get(client, headers, "laughter-play-02", "en").json()
        response = self.get(client, headers, "laughter-play-02", "es")
        assert response.headers["content-language"] == "es"
        spanish = response.json()
        assert spanish["language"] == "es"
        assert spanish["title"] == "Tu tipo de humor"
        assert [option["id"] for option in spanish["options"]] == [
            option["id"] for option in english["options"]
        ]
        assert spanish["options"][0]["label"] == "Los juegos de palabras ingeniosos"
        assert spanish["max_choices"] == english["max_choices"]

    @pytest.mark.parametrize(
        ("accept", "served"),
        [
            ("fr", "en"),
            ("fr-FR, fr;q=0.9", "en"),
            ("es", "es"),
            ("es-MX", "es"),
            ("fr;q=1, es;q=0.5, en;q=0.1", "es"),
            ("en;q=0.9, es", "es"),
            ("es;q=0, en", "en"),
            ("*", "en"),
            ("es;q=not-a-number, de", "en"),
            ("", "en"),
        ],
    )
    def test_negotiation(
        self, client: TestClient, headers: dict[str, str], accept: str, served: str
    ) -> None:
        response = self.get(client, headers, "laughter-play-05", accept)
        assert response.headers["content-language"] == served
        assert response.json()["language"] == served

    def test_every_exercise_in_spanish(self, client: TestClient, headers: dict[str, str]) -> None:
        spanish = headers | {"Accept-Language": "es"}
        exercises = walk(client, spanish, "/v1/exercises", limit=100)
        assert {exercise["language"] for exercise in exercises} == {"es"}
        english = {e["id"]: e for e in walk(client, headers, "/v1/exercises", limit=100)}
        assert english.keys() == {exercise["id"] for exercise in exercises}
        for exercise in exercises:
            assert exercise["prompt"] != english[exercise["id"]]["prompt"], exercise["id"]


class TestJourneys:
    def test_at_least_eight_of_five_to_ten_days(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        journeys = walk(client, headers, "/v1/journeys")
        assert len(journeys) >= 8
        for journey in journeys:
            assert 5 <= len(journey["days"]) <= 10, journey["slug"]
            for exercise_id in journey["days"]:
                exercise = client.get(f"/v1/exercises/{exercise_id}", headers=headers)
                assert exercise.status_code == 200, exercise_id

    def test_one_journey(self, client: TestClient, headers: dict[str, str]) -> None:
        response = client.get("/v1/journeys/seven-days-of-trust", headers=headers)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, max-age=60"
        journey = response.json()
        assert journey["title"] == "Seven days of trust"
        assert journey["days"][0] == "trust-01" and journey["retired"] is False

    def test_in_spanish(self, client: TestClient, headers: dict[str, str]) -> None:
        spanish = headers | {"Accept-Language": "es-ES"}
        response = client.get("/v1/journeys/seven-days-of-trust", headers=spanish)
        assert response.headers["content-language"] == "es"
        journey = response.json()
        assert journey["language"] == "es" and journey["title"] == "Siete días de confianza"
        english = walk(client, headers, "/v1/journeys")
        response = client.get("/v1/journeys", headers=spanish, params={"limit": 100})
        assert response.headers["content-language"] == "es"
        journeys = response.json()["items"]
        assert {journey["language"] for journey in journeys} == {"es"}
        for theirs, ours in zip(english, journeys, strict=True):
            assert theirs["days"] == ours["days"] and theirs["title"] != ours["title"]
        assert client.get("/v1/journeys", headers=headers).headers["content-language"] == "en"

    def test_unknown_journey(self, client: TestClient, headers: dict[str, str]) -> None:
        assert_problem(client.get("/v1/journeys/no-such-journey", headers=headers), 404)

    def test_paginated(self, client: TestClient, headers: dict[str, str]) -> None:
        first = client.get("/v1/journeys", headers=headers, params={"limit": 3}).json()
        assert len(first["items"]) == 3 and first["next_cursor"]
        assert len(walk(client, headers, "/v1/journeys", limit=1)) == len(
            walk(client, headers, "/v1/journeys")
        )
