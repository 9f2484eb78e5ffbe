"""Answers for every exercise type, the reveal rule, versions, comments and reactions."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.concurrency.calls import Call, at_once
from tests.factories import answer, bearer, make_couple, register, sample_answer, today
from tests.support import FrozenClock, assert_problem

pytestmark = pytest.mark.usefixtures("content")


def extra(client: TestClient, tokens: dict[str, Any], exercise_id: str) -> dict[str, Any]:
    response = client.post(
        "/v1/assignments", json={"exercise_id": exercise_id}, headers=bearer(tokens)
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def first_of_type(client: TestClient, tokens: dict[str, Any], kind: str) -> dict[str, Any]:
    page = client.get(f"/v1/exercises?type={kind}&limit=1", headers=bearer(tokens)).json()
    item: dict[str, Any] = page["items"][0]
    return item


def put(
    client: TestClient, tokens: dict[str, Any], assignment_id: str, body: Any, **headers: str
) -> httpx.Response:
    return client.put(
        f"/v1/assignments/{assignment_id}/answer", json=body, headers=bearer(tokens) | headers
    )


@pytest.fixture
def couple(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return make_couple(client)


class TestValidation:
    @pytest.mark.parametrize("kind", ["open", "choice", "scale", "guess", "activity"])
    def test_each_type_accepts_a_valid_answer(
        self, client: TestClient, couple: tuple[dict[str, Any], dict[str, Any]], kind: str
    ) -> None:
        a, _ = couple
        exercise = first_of_type(client, a, kind)
        assignment = extra(client, a, exercise["id"])
        response = put(client, a, assignment["id"], sample_answer(exercise, "ok"))
        assert response.status_code == 201
        assert response.headers["etag"] == '"1"'
        body = response.json()
        assert body["my_answer"]["content"] == sample_answer(exercise, "ok")["content"]
        assert body["my_answer"]["version"] == 1

    @pytest.mark.parametrize(
        ("kind", "content", "field"),
        [
            ("open", {"type": "choice", "choices": ["a"]}, "type"),
            ("open", {"type": "open", "text": "x" * 5001}, "text"),
            ("open", {"type": "open", "text": ""}, "text"),
            ("choice", {"type": "choice", "choices": ["zz"]}, "choices"),
            ("choice", {"type": "choice", "choices": ["a", "a"]}, "choices"),
            ("choice", {"type": "choice", "choices": []}, "choices"),
            ("scale", {"type": "scale", "value": 999}, "value"),
            ("scale", {"type": "scale", "value": "high"}, "value"),
            ("guess", {"type": "guess", "pick": "a", "guess": "zz"}, "guess"),
            ("guess", {"type": "guess", "pick": "a"}, "guess"),
            ("activity", {"type": "activity", "done": True, "rating": 9}, "rating"),
            ("activity", {"type": "activity", "done": True, "mood": "great"}, "mood"),
        ],
    )
    def test_invalid_answers_are_field_level_422(
        self,
        client: TestClient,
        couple: tuple[dict[str, Any], dict[str, Any]],
        kind: str,
        content: dict[str, Any],
        field: str,
    ) -> None:
        a, _ = couple
        assignment = extra(client, a, first_of_type(client, a, kind)["id"])
        response = put(client, a, assignment["id"], {"content": content})
        problem = assert_problem(response, 422)
        assert field in problem["errors"][0]["loc"], problem
        if kind == "open" and "text" in content and content["text"]:
            assert content["text"] not in response.text

    def test_open_answer_longer_than_the_exercise_allows(
        self, client: TestClient, couple: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        a, _ = couple
        exercise = first_of_type(client, a, "open")
        assignment = extra(client, a, exercise["id"])
        too_long = "word " * (exercise["max_length"] // 5 + 1)
        response = put(client, a, assignment["id"], {"content": {"type": "open", "text": too_long}})
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "content", "text"]

    def test_too_many_choices(
        self, client: TestClient, couple: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        a, _ = couple
        page = client.get("/v1/exercises?type=choice&limit=100", headers=bearer(a)).json()
        single = next(e for e in page["items"] if e["max_choices"] == 1)
        assignment = extra(client, a, single["id"])
        both = [option["id"] for option in single["options"][:2]]
        response = put(
            client, a, assignment["id"], {"content": {"type": "choice", "choices": both}}
        )
        assert_problem(response, 422)

    def test_client_chosen_id_and_its_collision(
        self, client: TestClient, couple: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        a, b = couple
        assignment = today(client, a)
        body = sample_answer(assignment["exercise"]) | {"id": "phone-made-id-1"}
        assert put(client, a, assignment["id"], body).json()["my_answer"]["id"] == "phone-made-id-1"
        assert_problem(put(client, b, assignment["id"], body), 409)


class TestReveal:
    def test_the_reveal_rule(
        self, client: TestClient, couple: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        a, b = couple
        assignment = today(client, a)
        after_a = answer(client, a, assignment, "from A, private until B answers")
        assert after_a["partner_status"] == "pending" and after_a["revealed"] is False
        seen_by_b = today(client, b)
        assert seen_by_b["partner_status"] == "answered"
        assert seen_by_b["partner_answer"] is None and seen_by_b["revealed"] is False
        for path in ("/v1/today", f"/v1/assignments/{assignment['id']}", "/v1/assignments"):
            assert "from A, private" not in client.get(path, headers=bearer(b)).text
        after_b = answer(client, b, assignment, "from B")
        assert after_b["revealed"] is True
        assert after_b["partner_answer"]["content"] == after_a["my_answer"]["content"]
        seen_by_a = client.get(f"/v1/assignments/{assignment['id']}", headers=bearer(a)).json()
        assert seen_by_a["revealed"] and seen_by_a["partner_answer"] is not None

    def test_revealed_for_good_and_edits_show_as_edited(
        self, client: TestClient, couple: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        a, b = couple
        exercise = first_of_type(client, a, "open")
        assignment = extra(client, a, exercise["id"])
        answer(client, a, assignment, "first")
        answer(client, b, assignment, "second")
        edited = put(client, a, assignment["id"], {"content": {"type": "open", "text": "changed"}})
        assert edited.status_code == 200 and edited.headers["etag"] == '"2"'
        seen_by_b = client.get(f"/v1/assignments/{assignment['id']}", headers=bearer(b)).json()
        assert seen_by_b["partner_answer"]["content"]["text"] == "changed"
        assert seen_by_b["partner_answer"]["edited"] is True
        assert (
            client.delete(
                f"/v1/assignments/{assignment['id']}/answer", headers=bearer(a)
            ).status_code
            == 204
        )
        seen_by_b = client.get(f"/v1/assignments/{assignment['id']}", headers=bearer(b)).json()
        assert seen_by_b["revealed"] is True and seen_by_b["partner_answer"] is None

    def test_guesses_are_scored_on_reveal(
        self, client: TestClient, couple: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        a, b = couple
        exercise = first_of_type(client, a, "guess")
        first, second = (option["id"] for option in exercise["options"][:2])
        assignment = extra(client, a, exercise["id"])
        content_a = {"type": "guess", "pick": first, "guess": second}
        put(client, a, assignment["id"], {"content": content_a})
        content_b = {"type": "guess", "pick": second, "guess": second}
        seen_by_b = put(client, b, assignment["id"], {"content": content_b}).json()
        assert seen_by_b["my_answer"]["guess_correct"] is False  # A picked `first`
        assert seen_by_b["partner_answer"]["guess_correct"] is True  # B picked `second`
        stats = client.get("/v1/couple/stats", headers=bearer(a)).json()
        me = client.get("/v1/me", headers=bearer(a)).json()["id"]
        assert stats["guess_accuracy"][me] == 1.0

    def test_both_answering_at_the_same_instant_still_reveals(
        self, client: TestClient, couple: tuple[dict[str, Any], dict[str, Any]], live_server: str
    ) -> None:
        a, b = couple
        exercise = first_of_type(client, a, "scale")
        for _ in range(8):
            assignment = extra(client, a, exercise["id"])
            path = f"/v1/assignments/{assignment['id']}/answer"
            calls = [Call("PUT", path, bearer(t), sample_answer(exercise)) for t in (a, b)]
            assert [r.status_code for r in at_once(live_server, calls)] == [201, 201]
            seen = client.get(f"/v1/assignments/{assignment['id']}", headers=bearer(a)).json()
            assert seen["revealed"] is True


class TestVersions:
    def test_if_match(
        self, client: TestClient, couple: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        a, _ = couple
        exercise = first_of_type(client, a, "open")
        assignment = extra(client, a, exercise["id"])
        put(client, a, assignment["id"], {"content": {"type": "open", "text": "one"}})
        fresh = put(
            client,
            a,
            assignment["id"],
            {"content": {"type": "open", "text": "two"}},
            **{"If-Match": '"1"'},
        )
        assert fresh.status_code == 200 and fresh.headers["etag"] == '"2"'
        stale = put(
            client,
            a,
            assignment["id"],
            {"content": {"type": "open", "text": "three"}},
            **{"If-Match": '"1"'},
        )
        problem = assert_problem(stale, 412)
        assert problem["current"] == {"type": "open", "text": "two"}
        assert problem["current_version"] == 2
        bad = put(
            client,
            a,
            assignment["id"],
            {"content": {"type": "open", "text": "x"}},
            **{"If-Match": "abc"},
        )
        assert_problem(bad, 422)

    def test_withdraw_twice(
        self, client: TestClient, couple: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        a, _ = couple
        assignment = today(client, a)
        answer(client, a, assignment)
        path = f"/v1/assignments/{assignment['id']}/answer"
        assert client.delete(path, headers=bearer(a)).status_code == 204
        assert_problem(client.delete(path, headers=bearer(a)), 404)


class TestStrangers:
    def test_another_couples_ids_answer_404_everywhere(self, client: TestClient) -> None:
        a, b = make_couple(client)
        stranger, _ = make_couple(client)
        assignment = today(client, a)
        answered = answer(client, a, assignment)
        answer(client, b, assignment)
        answer_id = answered["my_answer"]["id"]
        base = f"/v1/assignments/{assignment['id']}"
        for method, path, body in [
            ("GET", base, None),
            ("PUT", f"{base}/answer", sample_answer(assignment["exercise"])),
            ("DELETE", f"{base}/answer", None),
            ("GET", f"{base}/comments", None),
            ("POST", f"{base}/comments", {"body": "hi"}),
            ("PUT", f"/v1/answers/{answer_id}/reaction", {"emoji": "❤️"}),
            ("DELETE", f"/v1/answers/{answer_id}/reaction", None),
        ]:
            response = client.request(method, path, json=body, headers=bearer(stranger))
            assert_problem(response, 404)


class TestComments:
    def test_open_only_after_reveal(self, client: TestClient, clock: FrozenClock) -> None:
        a, b = make_couple(client)
        assignment = today(client, a)
        path = f"/v1/assignments/{assignment['id']}/comments"
        assert_problem(client.post(path, json={"body": "too early"}, headers=bearer(a)), 409)
        answer(client, a, assignment)
        answer(client, b, assignment)
        first = client.post(path, json={"body": "I loved that", "id": "c-1"}, headers=bearer(a))
        assert first.status_code == 201 and first.json()["id"] == "c-1"
        clock.advance(timedelta(seconds=1))
        client.post(path, json={"body": "Me too"}, headers=bearer(b))
        for i in range(3):
            clock.advance(timedelta(seconds=1))
            client.post(path, json={"body": f"more {i}"}, headers=bearer(a))
        page = client.get(f"{path}?limit=2", headers=bearer(b)).json()
        bodies = [c["body"] for c in page["items"]]
        while page["next_cursor"]:
            page = client.get(
                f"{path}?limit=2&cursor={page['next_cursor']}", headers=bearer(b)
            ).json()
            bodies += [c["body"] for c in page["items"]]
        assert bodies == ["I loved that", "Me too", "more 0", "more 1", "more 2"]
        assert_problem(client.get(f"{path}?cursor=garbage", headers=bearer(a)), 422)

    def test_idempotency_key(self, client: TestClient) -> None:
        a, b = make_couple(client)
        assignment = today(client, a)
        answer(client, a, assignment)
        answer(client, b, assignment)
        path = f"/v1/assignments/{assignment['id']}/comments"
        key = {"Idempotency-Key": "retry-me-1"}
        first = client.post(path, json={"body": "once"}, headers=bearer(a) | key)
        again = client.post(path, json={"body": "once"}, headers=bearer(a) | key)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert len(client.get(path, headers=bearer(a)).json()["items"]) == 1
        other = client.post(path, json={"body": "different"}, headers=bearer(a) | key)
        assert_problem(other, 422)


class TestReactions:
    def test_one_per_person_per_answer_and_only_when_visible(self, client: TestClient) -> None:
        a, b = make_couple(client)
        assignment = today(client, a)
        answer_id = answer(client, a, assignment)["my_answer"]["id"]
        path = f"/v1/answers/{answer_id}/reaction"
        assert_problem(client.put(path, json={"emoji": "❤️"}, headers=bearer(b)), 404)
        answer(client, b, assignment)
        assert client.put(path, json={"emoji": "❤️"}, headers=bearer(b)).status_code == 200
        assert client.put(path, json={"emoji": "😂"}, headers=bearer(b)).json()["emoji"] == "😂"
        seen = client.get(f"/v1/assignments/{assignment['id']}", headers=bearer(a)).json()
        assert [r["emoji"] for r in seen["reactions"]] == ["😂"]
        assert_problem(client.put(path, json={"emoji": "hello"}, headers=bearer(b)), 422)
        assert client.delete(path, headers=bearer(b)).status_code == 204
        seen = client.get(f"/v1/assignments/{assignment['id']}", headers=bearer(a)).json()
        assert seen["reactions"] == []


class TestHistory:
    def test_filters_and_pages(self, client: TestClient) -> None:
        a, b = make_couple(client)
        made = [
            extra(client, a, first_of_type(client, a, kind)["id"])
            for kind in ("open", "scale", "guess")
        ]
        answer(client, a, made[0])
        answer(client, b, made[0])
        everything = client.get("/v1/assignments", headers=bearer(b)).json()
        assert {item["id"] for item in everything["items"]} == {m["id"] for m in made}
        revealed = client.get("/v1/assignments?revealed=true", headers=bearer(b)).json()
        assert [item["id"] for item in revealed["items"]] == [made[0]["id"]]
        extras = client.get("/v1/assignments?kind=extra&limit=1", headers=bearer(a)).json()
        walked = [extras["items"][0]["id"]]
        while extras["next_cursor"]:
            extras = client.get(
                f"/v1/assignments?kind=extra&limit=1&cursor={extras['next_cursor']}",
                headers=bearer(a),
            ).json()
            walked += [item["id"] for item in extras["items"]]
        assert sorted(walked) == sorted(m["id"] for m in made)
        theme = made[1]["exercise"]["theme"]
        by_theme = client.get(f"/v1/assignments?theme={theme}", headers=bearer(a)).json()
        assert made[1]["id"] in {item["id"] for item in by_theme["items"]}
        assert_problem(client.get("/v1/assignments?limit=101", headers=bearer(a)), 422)
        assert_problem(client.get("/v1/assignments?kind=weekly", headers=bearer(a)), 422)

    def test_extra_needs_an_exercise_on_offer(self, client: TestClient) -> None:
        a = register(client)
        response = client.post("/v1/assignments", json={"exercise_id": "nope"}, headers=bearer(a))
        assert_problem(response, 422)
