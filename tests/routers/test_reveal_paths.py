"""The reveal rule and the write rules on every path that carries an answer: REST, sync pulls,
sync mutations and export render an answer, its guess score and its reactions the same way."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import answer, bearer, extra_assignment, make_couple, open_assignment
from tests.support import assert_problem, pull_all, push

pytestmark = pytest.mark.usefixtures("content")


def put(
    client: TestClient, tokens: dict[str, Any], assignment: dict[str, Any], content: dict[str, Any]
) -> dict[str, Any]:
    response = client.put(
        f"/v1/assignments/{assignment['id']}/answer",
        json={"content": content},
        headers=bearer(tokens),
    )
    assert response.status_code in (200, 201), response.text
    shown: dict[str, Any] = response.json()
    return shown


def synced(client: TestClient, tokens: dict[str, Any], entity: str) -> list[dict[str, Any]]:
    changes, _ = pull_all(client, tokens)
    return [c["data"] for c in changes if c["entity"] == entity and c["op"] == "upsert"]


def get(client: TestClient, tokens: dict[str, Any], assignment: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"/v1/assignments/{assignment['id']}", headers=bearer(tokens))
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()
    return shown


class TestRevealedStaysRevealed:
    def test_withdrawing_and_answering_again_shows_as_edited(self, client: TestClient) -> None:
        a, b = make_couple(client)
        assignment = open_assignment(client, a)
        answer(client, a, assignment, "first words")
        answer(client, b, assignment, "B's words")
        gone = client.delete(f"/v1/assignments/{assignment['id']}/answer", headers=bearer(a))
        assert gone.status_code == 204
        assert get(client, b, assignment)["revealed"] is True
        put(client, a, assignment, {"type": "open", "text": "new words after the reveal"})
        seen = get(client, b, assignment)["partner_answer"]
        assert seen["content"]["text"] == "new words after the reveal"
        assert seen["edited"] is True
        [synced_answer] = [
            d for d in synced(client, b, "answer") if d["author_id"] != b["user"]["id"]
        ]
        assert synced_answer["edited"] is True

    def test_an_answer_before_any_reveal_is_not_edited(self, client: TestClient) -> None:
        a, b = make_couple(client)
        assignment = open_assignment(client, a)
        answer(client, a, assignment, "one")
        client.delete(f"/v1/assignments/{assignment['id']}/answer", headers=bearer(a))
        answer(client, a, assignment, "two")
        answer(client, b, assignment, "B")
        assert get(client, b, assignment)["partner_answer"]["edited"] is False


class TestWithdrawIfMatch:
    def test_a_stale_version_is_412_and_deletes_nothing(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        assignment = open_assignment(client, a)
        answer(client, a, assignment, "v1")
        answer(client, a, assignment, "v2")
        path = f"/v1/assignments/{assignment['id']}/answer"
        stale = client.delete(path, headers=bearer(a) | {"If-Match": '"1"'})
        body = assert_problem(stale, 412)
        assert body["current_version"] == 2
        assert get(client, a, assignment)["my_answer"]["content"]["text"] == "My honest answer v2"
        fresh = client.delete(path, headers=bearer(a) | {"If-Match": '"2"'})
        assert fresh.status_code == 204
        assert get(client, a, assignment)["my_answer"] is None


class TestReactionsToAMaskedAnswer:
    def test_sync_hides_them_as_rest_does_until_the_reveal(self, client: TestClient) -> None:
        a, b = make_couple(client)
        assignment = open_assignment(client, a)
        mine = answer(client, a, assignment, "A only")["my_answer"]
        reacted = client.put(
            f"/v1/answers/{mine['id']}/reaction", json={"emoji": "🙈"}, headers=bearer(a)
        )
        assert reacted.status_code == 200, reacted.text
        assert get(client, b, assignment)["reactions"] == []
        _, cursor = pull_all(client, b)
        assert synced(client, b, "reaction") == []
        assert "🙈" not in client.get("/v1/sync", headers=bearer(b)).text
        answer(client, b, assignment, "B too")
        after, _ = pull_all(client, b, cursor)
        assert [c["data"]["emoji"] for c in after if c["entity"] == "reaction"] == ["🙈"]
        assert [r["emoji"] for r in get(client, b, assignment)["reactions"]] == ["🙈"]


class TestGuessScoresOnEveryPath:
    def test_rest_sync_mutations_and_export_agree(self, client: TestClient) -> None:
        a, b = make_couple(client)
        assignment = extra_assignment(client, a, "guess")
        options = [option["id"] for option in assignment["exercise"]["options"]]
        put(client, a, assignment, {"type": "guess", "pick": options[0], "guess": options[1]})
        # B's answer arrives through sync, A's guess matches B's pick, B's does not match A's.
        results = push(
            client,
            b,
            {
                "id": "guess-1",
                "type": "answer.put",
                "assignment_id": assignment["id"],
                "answer": {"content": {"type": "guess", "pick": options[1], "guess": options[2]}},
            },
        )
        assert results[0]["status"] == "applied"
        assert results[0]["answer"]["guess_correct"] is False
        for viewer, own, other in ((a, True, False), (b, False, True)):
            rest = get(client, viewer, assignment)
            assert rest["my_answer"]["guess_correct"] is own
            assert rest["partner_answer"]["guess_correct"] is other
            by_author = {d["author_id"]: d for d in synced(client, viewer, "answer")}
            for shown in (rest["my_answer"], rest["partner_answer"]):
                assert by_author[shown["author_id"]] == shown | {"assignment_id": assignment["id"]}
            exported = client.get("/v1/me/export", headers=bearer(viewer)).json()
            [kept] = [x for x in exported["answers"] if x["assignment_id"] == assignment["id"]]
            assert kept["answer"] == rest["my_answer"]

    def test_before_the_reveal_no_path_scores(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        assignment = extra_assignment(client, a, "guess")
        options = [option["id"] for option in assignment["exercise"]["options"]]
        shown = put(
            client, a, assignment, {"type": "guess", "pick": options[0], "guess": options[0]}
        )
        assert shown["my_answer"]["guess_correct"] is None
        [own] = synced(client, a, "answer")
        assert own["guess_correct"] is None


class TestSyncWritesFollowRestRules:
    @pytest.mark.parametrize("emoji", ["hello world", "ok", " ", "❤️ x"])
    def test_a_reaction_that_is_not_an_emoji_is_rejected(
        self, client: TestClient, emoji: str
    ) -> None:
        a, _ = make_couple(client)
        mine = answer(client, a, open_assignment(client, a), "words")["my_answer"]
        [result] = push(
            client,
            a,
            {
                "id": f"r-{len(emoji)}",
                "type": "reaction.set",
                "answer_id": mine["id"],
                "emoji": emoji,
            },
        )
        assert result["status"] == "rejected"
        assert "hello" not in result["reason"]
        rest = client.put(
            f"/v1/answers/{mine['id']}/reaction", json={"emoji": emoji}, headers=bearer(a)
        )
        assert_problem(rest, 422)


class TestExport:
    def test_carries_the_callers_own_reactions_and_not_the_partners(
        self, client: TestClient
    ) -> None:
        a, b = make_couple(client)
        assignment = open_assignment(client, a)
        mine = answer(client, a, assignment, "A")["my_answer"]
        theirs = answer(client, b, assignment, "B")["my_answer"]
        client.put(f"/v1/answers/{theirs['id']}/reaction", json={"emoji": "💛"}, headers=bearer(a))
        client.put(f"/v1/answers/{mine['id']}/reaction", json={"emoji": "🔥"}, headers=bearer(b))
        exported = client.get("/v1/me/export", headers=bearer(a)).json()
        assert [(r["answer_id"], r["emoji"]) for r in exported["reactions"]] == [
            (theirs["id"], "💛")
        ]
        assert "🔥" not in str(exported)


class TestOneBodyPerEntity:
    def test_sync_carries_comments_reactions_and_checkins_as_rest_answers_them(
        self, client: TestClient
    ) -> None:
        a, b = make_couple(client)
        assignment = open_assignment(client, a)
        answer(client, a, assignment, "A")
        theirs = answer(client, b, assignment, "B")["my_answer"]
        comment = client.post(
            f"/v1/assignments/{assignment['id']}/comments",
            json={"body": "Tell me more tonight?"},
            headers=bearer(a),
        ).json()
        reaction = client.put(
            f"/v1/answers/{theirs['id']}/reaction", json={"emoji": "💛"}, headers=bearer(a)
        ).json()
        checkin = client.post("/v1/checkins", json={"mood": 4}, headers=bearer(b)).json()
        for viewer in (a, b):
            assert synced(client, viewer, "comment") == [comment]
            assert synced(client, viewer, "reaction") == [reaction]
            assert synced(client, viewer, "checkin") == [checkin]
