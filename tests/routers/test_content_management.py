"""SPEC.md §4 through HTTP, writing: content management is for admins, and never rewrites
what was published."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import bearer, register
from tests.support import assert_problem, make_admin

pytestmark = pytest.mark.usefixtures("mutable_content")

NEW_CHOICE = {
    "theme": "trust",
    "id": "trust-new-choice",
    "type": "choice",
    "title": "Small promises",
    "prompt": "Which small promise matters most to you?",
    "why": "Small promises kept are how trust grows.",
    "mechanism": "self-disclosure",
    "depth": 1,
    "options": [{"id": "a", "label": "Being on time"}, {"id": "b", "label": "Calling back"}],
}


def theme_count(client: TestClient, headers: dict[str, str], slug: str) -> int:
    themes = client.get("/v1/themes", headers=headers).json()["items"]
    count: int = next(t for t in themes if t["slug"] == slug)["exercise_count"]
    return count


@pytest.fixture
def admin(client: TestClient, database_url: str) -> dict[str, str]:
    tokens = register(client)
    make_admin(database_url, tokens)
    return bearer(tokens)


@pytest.fixture
def user(client: TestClient) -> dict[str, str]:
    return bearer(register(client))


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/exercises", NEW_CHOICE),
        ("PATCH", "/v1/exercises/trust-01", {"title": "Mine now"}),
        ("DELETE", "/v1/exercises/trust-01", None),
        ("POST", "/v1/themes", {"slug": "new", "title": "New", "description": "New."}),
        ("PATCH", "/v1/themes/trust", {"title": "Mine now"}),
        ("POST", "/v1/journeys", {"slug": "new", "title": "N", "description": "N.", "days": []}),
        ("PATCH", "/v1/journeys/seven-days-of-trust", {"title": "Mine now"}),
        ("DELETE", "/v1/journeys/seven-days-of-trust", None),
    ],
)
def test_only_admins_manage_content(
    client: TestClient, user: dict[str, str], method: str, path: str, body: Any
) -> None:
    response = client.request(method, path, headers=user, json=body)
    assert "content:write" in assert_problem(response, 403)["detail"]
    assert_problem(client.request(method, path, json=body), 401)


class TestCreateExercise:
    def test_publishes_version_one(
        self, client: TestClient, admin: dict[str, str], user: dict[str, str]
    ) -> None:
        before = theme_count(client, user, "trust")
        response = client.post("/v1/exercises", headers=admin, json=NEW_CHOICE)
        assert response.status_code == 201, response.text
        assert response.headers["cache-control"] == "no-store"
        created = response.json()
        assert created["version"] == 1 and created["max_choices"] == 1
        assert (created["mechanism"], created["depth"]) == ("self-disclosure", 1)
        assert created["theme"] == "trust" and created["language"] == "en"
        assert client.get("/v1/exercises/trust-new-choice", headers=user).json() == created
        trust = client.get(
            "/v1/exercises", headers=user, params={"theme": "trust", "limit": 100}
        ).json()
        assert "trust-new-choice" in [exercise["id"] for exercise in trust["items"]]
        assert theme_count(client, user, "trust") == before + 1
        light = client.get(
            "/v1/exercises",
            headers=user,
            params={"theme": "trust", "depth": 1, "mechanism": "self-disclosure", "limit": 100},
        ).json()
        assert "trust-new-choice" in [exercise["id"] for exercise in light["items"]]

    def test_a_retry_with_the_same_idempotency_key_creates_nothing(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        keyed = admin | {"Idempotency-Key": "c0ffee00-0000-4000-8000-000000000001"}
        first = client.post("/v1/exercises", headers=keyed, json=NEW_CHOICE)
        again = client.post("/v1/exercises", headers=keyed, json=NEW_CHOICE)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json()
        other = client.post("/v1/exercises", headers=keyed, json=NEW_CHOICE | {"id": "trust-x"})
        assert assert_problem(other, 422)["errors"][0]["loc"] == ["header", "Idempotency-Key"]

    def test_an_existing_id_is_a_conflict(self, client: TestClient, admin: dict[str, str]) -> None:
        response = client.post("/v1/exercises", headers=admin, json=NEW_CHOICE | {"id": "trust-01"})
        assert_problem(response, 409)

    @pytest.mark.parametrize(
        ("change", "loc"),
        [
            ({"theme": "no-such-theme"}, ["body", "theme"]),
            ({"version": 7}, ["body", "choice", "version"]),
            ({"max_choices": 3}, ["body", "choice", "max_choices"]),
            ({"options": [{"id": "a", "label": "Only"}]}, ["body", "choice", "options"]),
            ({"type": "essay"}, ["body", "type"]),
            ({"id": "Not A Slug"}, ["body", "choice", "id"]),
            ({"mechanism": "flattery"}, ["body", "choice", "mechanism"]),
            ({"depth": 4}, ["body", "choice", "depth"]),
            ({"depth": 0}, ["body", "choice", "depth"]),
        ],
    )
    def test_invalid_exercise(
        self, client: TestClient, admin: dict[str, str], change: dict[str, Any], loc: list[str]
    ) -> None:
        response = client.post("/v1/exercises", headers=admin, json=NEW_CHOICE | change)
        assert assert_problem(response, 422)["errors"][0]["loc"] == loc

    def test_in_english_until_translated(
        self, client: TestClient, admin: dict[str, str], user: dict[str, str]
    ) -> None:
        client.post("/v1/exercises", headers=admin, json=NEW_CHOICE)
        spanish = user | {"Accept-Language": "es"}
        response = client.get("/v1/exercises/trust-new-choice", headers=spanish)
        assert response.headers["content-language"] == "en"
        assert response.json()["language"] == "en"
        # A page with it and translated ones names both languages, the asked-for first.
        page = client.get("/v1/exercises", headers=spanish, params={"theme": "trust", "limit": 100})
        assert {exercise["language"] for exercise in page.json()["items"]} == {"es", "en"}
        assert page.headers["content-language"] == "es, en"

    @pytest.mark.parametrize("field", ["mechanism", "depth"])
    def test_mechanism_and_depth_are_required(
        self, client: TestClient, admin: dict[str, str], field: str
    ) -> None:
        body = {name: value for name, value in NEW_CHOICE.items() if name != field}
        response = client.post("/v1/exercises", headers=admin, json=body)
        problem = assert_problem(response, 422)
        assert problem["errors"][0]["loc"] == ["body", "choice", field]
        assert problem["errors"][0]["msg"] == "Field required"


class TestEditExercise:
    def test_edit_publishes_a_new_version_and_keeps_the_old(
        self, client: TestClient, admin: dict[str, str], user: dict[str, str]
    ) -> None:
        before = client.get("/v1/exercises/laughter-play-02", headers=user).json()
        response = client.patch(
            "/v1/exercises/laughter-play-02",
            headers=admin,
            json={"prompt": "What makes you laugh the most?", "max_choices": 2},
        )
        assert response.status_code == 200, response.text
        edited = response.json()
        assert edited["version"] == 2 and edited["max_choices"] == 2
        assert client.get("/v1/exercises/laughter-play-02", headers=user).json() == edited
        first = client.get("/v1/exercises/laughter-play-02?version=1", headers=user).json()
        assert first == before
        # Same options: the Spanish translation still fits, and carries over.
        spanish = client.get(
            "/v1/exercises/laughter-play-02", headers=user | {"Accept-Language": "es"}
        ).json()
        assert spanish["version"] == 2 and spanish["language"] == "es"

    def test_other_options_drop_the_translation_that_no_longer_fits(
        self, client: TestClient, admin: dict[str, str], user: dict[str, str]
    ) -> None:
        options = [{"id": "x", "label": "Puns"}, {"id": "y", "label": "Pranks"}]
        client.patch("/v1/exercises/laughter-play-02", headers=admin, json={"options": options})
        spanish = {"Accept-Language": "es"}
        current = client.get("/v1/exercises/laughter-play-02", headers=user | spanish)
        assert (
            current.json()["language"] == "en" and current.json()["options"][0]["label"] == "Puns"
        )
        first = client.get("/v1/exercises/laughter-play-02?version=1", headers=user | spanish)
        assert first.json()["language"] == "es"

    def test_a_new_depth_or_mechanism_is_a_new_version(
        self, client: TestClient, admin: dict[str, str], user: dict[str, str]
    ) -> None:
        before = client.get("/v1/exercises/trust-01", headers=user).json()
        deeper = 3 if before["depth"] != 3 else 2
        other = "play" if before["mechanism"] != "play" else "novelty"
        edited = client.patch("/v1/exercises/trust-01", headers=admin, json={"depth": deeper})
        assert edited.status_code == 200, edited.text
        assert (edited.json()["version"], edited.json()["depth"]) == (2, deeper)
        response = client.patch("/v1/exercises/trust-01", headers=admin, json={"mechanism": other})
        assert (response.json()["version"], response.json()["mechanism"]) == (3, other)
        first = client.get("/v1/exercises/trust-01?version=1", headers=user).json()
        assert (first["mechanism"], first["depth"]) == (before["mechanism"], before["depth"])
        listed = client.get(
            "/v1/exercises", headers=user, params={"mechanism": other, "depth": deeper}
        ).json()
        assert "trust-01" in [exercise["id"] for exercise in listed["items"]]

    def test_no_change_publishes_nothing(self, client: TestClient, admin: dict[str, str]) -> None:
        title = client.get("/v1/exercises/trust-01", headers=admin).json()["title"]
        response = client.patch("/v1/exercises/trust-01", headers=admin, json={"title": title})
        assert response.json()["version"] == 1

    def test_follow_up_can_be_removed(self, client: TestClient, admin: dict[str, str]) -> None:
        response = client.patch("/v1/exercises/trust-01", headers=admin, json={"follow_up": None})
        assert response.status_code == 200, response.text
        assert response.json()["follow_up"] is None

    @pytest.mark.parametrize(
        ("exercise_id", "change", "loc"),
        [
            ("laughter-play-01", {"options": [{"id": "a", "label": "A"}] * 2}, ["body", "options"]),
            ("laughter-play-02", {"max_choices": 9}, ["body", "max_choices"]),
            ("laughter-play-03", {"max": 0}, ["body", "max"]),
            ("laughter-play-01", {"title": None}, ["body", "title"]),
            ("laughter-play-01", {"type": "choice"}, ["body", "type"]),
            ("laughter-play-01", {"version": 3}, ["body", "version"]),
            ("laughter-play-01", {"depth": 4}, ["body", "depth"]),
            ("laughter-play-01", {"depth": None}, ["body", "depth"]),
            ("laughter-play-01", {"mechanism": "flattery"}, ["body", "mechanism"]),
        ],
    )
    def test_invalid_edit(
        self,
        client: TestClient,
        admin: dict[str, str],
        exercise_id: str,
        change: dict[str, Any],
        loc: list[str],
    ) -> None:
        response = client.patch(f"/v1/exercises/{exercise_id}", headers=admin, json=change)
        assert assert_problem(response, 422)["errors"][0]["loc"] == loc

    def test_unknown_exercise(self, client: TestClient, admin: dict[str, str]) -> None:
        response = client.patch("/v1/exercises/nope", headers=admin, json={"title": "T"})
        assert_problem(response, 404)


class TestRetireExercise:
    def test_retired_is_no_longer_offered_but_stays_readable(
        self, client: TestClient, admin: dict[str, str], user: dict[str, str]
    ) -> None:
        before = theme_count(client, user, "trust")
        assert client.delete("/v1/exercises/trust-02", headers=admin).status_code == 204
        listed = client.get(
            "/v1/exercises", headers=user, params={"theme": "trust", "limit": 100}
        ).json()
        assert "trust-02" not in [exercise["id"] for exercise in listed["items"]]
        retired = client.get("/v1/exercises/trust-02", headers=user).json()
        assert retired["retired"] is True and retired["version"] == 1
        assert theme_count(client, user, "trust") == before - 1
        assert client.delete("/v1/exercises/trust-02", headers=admin).status_code == 204

    def test_unknown_exercise(self, client: TestClient, admin: dict[str, str]) -> None:
        assert_problem(client.delete("/v1/exercises/nope", headers=admin), 404)


class TestThemes:
    def test_create_then_edit(
        self, client: TestClient, admin: dict[str, str], user: dict[str, str]
    ) -> None:
        body = {"slug": "gratitude", "title": "Gratitude", "description": "Saying thanks."}
        response = client.post("/v1/themes", headers=admin, json=body)
        assert response.status_code == 201, response.text
        assert response.json() == body | {"sensitive": False, "exercise_count": 0, "language": "en"}
        response = client.patch(
            "/v1/themes/gratitude", headers=admin, json={"title": "Thanks", "sensitive": True}
        )
        assert response.json()["title"] == "Thanks" and response.json()["sensitive"] is True
        themes = {t["slug"]: t for t in client.get("/v1/themes", headers=user).json()["items"]}
        assert themes["gratitude"]["title"] == "Thanks"

    def test_an_edit_keeps_the_count_and_translations(
        self, client: TestClient, admin: dict[str, str], user: dict[str, str]
    ) -> None:
        before = theme_count(client, user, "laughter-play")
        response = client.patch(
            "/v1/themes/laughter-play", headers=admin, json={"title": "Laughing together"}
        )
        assert response.json()["exercise_count"] == before
        spanish = client.get("/v1/themes", headers=user | {"Accept-Language": "es"}).json()
        assert next(t for t in spanish["items"] if t["slug"] == "laughter-play")["language"] == "es"

    def test_conflicts_and_unknowns(self, client: TestClient, admin: dict[str, str]) -> None:
        body = {"slug": "trust", "title": "Trust", "description": "Again."}
        assert_problem(client.post("/v1/themes", headers=admin, json=body), 409)
        assert_problem(client.patch("/v1/themes/nope", headers=admin, json={"title": "T"}), 404)
        response = client.patch("/v1/themes/trust", headers=admin, json={"sensitive": None})
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "sensitive"]

    def test_new_exercise_in_a_new_theme(self, client: TestClient, admin: dict[str, str]) -> None:
        body = {"slug": "gratitude", "title": "Gratitude", "description": "Saying thanks."}
        client.post("/v1/themes", headers=admin, json=body)
        exercise = NEW_CHOICE | {"theme": "gratitude", "id": "gratitude-01"}
        assert client.post("/v1/exercises", headers=admin, json=exercise).status_code == 201
        themes = {t["slug"]: t for t in client.get("/v1/themes", headers=admin).json()["items"]}
        assert themes["gratitude"]["exercise_count"] == 1


class TestJourneys:
    BODY = {
        "slug": "three-small-days",
        "title": "Three small days",
        "description": "A short start.",
        "days": ["trust-01", "laughter-play-01", "trust-02"],
    }

    def test_create_edit_retire(
        self, client: TestClient, admin: dict[str, str], user: dict[str, str]
    ) -> None:
        response = client.post("/v1/journeys", headers=admin, json=self.BODY)
        assert response.status_code == 201, response.text
        assert response.json() == self.BODY | {"retired": False, "language": "en"}
        response = client.patch(
            "/v1/journeys/three-small-days", headers=admin, json={"days": ["trust-03"]}
        )
        assert response.json()["days"] == ["trust-03"]
        assert client.delete("/v1/journeys/three-small-days", headers=admin).status_code == 204
        listed = client.get("/v1/journeys", headers=user, params={"limit": 100}).json()
        assert "three-small-days" not in [journey["slug"] for journey in listed["items"]]
        kept = client.get("/v1/journeys/three-small-days", headers=user).json()
        assert kept["retired"] is True and kept["days"] == ["trust-03"]

    def test_days_must_be_exercises_on_offer(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        client.delete("/v1/exercises/trust-02", headers=admin)
        for days, day in ((["trust-01", "nope"], "1"), (["trust-02"], "0")):
            response = client.post("/v1/journeys", headers=admin, json=self.BODY | {"days": days})
            assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "days", day]
        response = client.post("/v1/journeys", headers=admin, json=self.BODY | {"days": []})
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "days"]

    def test_conflicts_and_unknowns(self, client: TestClient, admin: dict[str, str]) -> None:
        taken = self.BODY | {"slug": "seven-days-of-trust"}
        assert_problem(client.post("/v1/journeys", headers=admin, json=taken), 409)
        assert_problem(client.patch("/v1/journeys/nope", headers=admin, json={"title": "T"}), 404)
        assert_problem(client.delete("/v1/journeys/nope", headers=admin), 404)
