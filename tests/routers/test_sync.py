"""GET/POST /v1/sync through HTTP: the cursor, the reveal in the stream, tombstones, resets,
idempotent mutations, conflicts, and a pull whose cost does not grow with history."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, select

from api.models import AnswerRevision
from tests.factories import answer, bearer, make_couple, open_assignment, register, today
from tests.support import assert_problem, count_statements, pull, pull_all, push, replay

pytestmark = pytest.mark.usefixtures("content")


class TestPull:
    def test_everything_then_only_what_changed(self, client: TestClient) -> None:
        a, b = make_couple(client)
        assignment = open_assignment(client, a)
        everything, cursor = pull_all(client, b)
        assert [c["entity"] for c in everything] == ["couple", "assignment"]
        assert [c["seq"] for c in everything] == sorted(c["seq"] for c in everything)
        nothing, same = pull_all(client, b, cursor)
        assert nothing == [] and same == cursor
        answer(client, a, assignment, "A's private words")
        changed, cursor = pull_all(client, b, cursor)
        [masked] = changed
        assert masked["entity"] == "answer" and masked["data"]["answered"] is True
        assert "A's private words" not in str(changed)

    def test_the_reveal_is_a_change_that_replaces_the_masked_copy(self, client: TestClient) -> None:
        a, b = make_couple(client)
        assignment = open_assignment(client, a)
        answer(client, a, assignment, "A words")
        _, cursor_b = pull_all(client, b)
        answer(client, b, assignment, "B words")
        changed, _ = pull_all(client, b, cursor_b)
        answers = [c for c in changed if c["entity"] == "answer"]
        assert len(answers) == 2 and len({c["id"] for c in answers}) == 2  # each once
        texts = {c["data"]["content"]["text"] for c in answers}
        assert texts == {"My honest answer A words", "My honest answer B words"}
        state = replay(changed)
        assert state[("assignment", assignment["id"])]["revealed"] is True

    def test_pages_never_skip_or_repeat(self, client: TestClient) -> None:
        a, b = make_couple(client)
        push(
            client,
            a,
            *[
                {"id": f"m{i}", "type": "checkin.put", "checkin_id": "c1", "mood": 1 + i % 5}
                for i in range(7)
            ],
        )
        today(client, b)
        one_by_one, _ = pull_all(client, b, limit=1)
        at_once, _ = pull_all(client, b, limit=100)
        assert one_by_one == at_once
        assert len({(c["entity"], c["id"]) for c in at_once}) == len(at_once)  # state, not history

    def test_deletes_are_tombstones(self, client: TestClient) -> None:
        a, b = make_couple(client)
        assignment = today(client, a)
        answered = answer(client, a, assignment)
        _, cursor = pull_all(client, b)
        client.delete(f"/v1/assignments/{assignment['id']}/answer", headers=bearer(a))
        changed, _ = pull_all(client, b, cursor)
        assert changed[-1]["op"] == "delete" and changed[-1]["id"] == answered["my_answer"]["id"]
        assert changed[-1]["data"] is None

    def test_resets(self, client: TestClient) -> None:
        a, b = make_couple(client)
        other, _ = make_couple(client)
        _, cursor = pull_all(client, a)
        _, foreign = pull_all(client, other)
        assert pull(client, a, foreign)["reset"] is True
        client.delete("/v1/couple", headers=bearer(a))
        assert pull(client, a, cursor)["reset"] is True  # unlinked
        relinked_with = register(client)
        code = client.post("/v1/couple/invite", headers=bearer(relinked_with)).json()["code"]
        client.post("/v1/couple/join", json={"code": code}, headers=bearer(a))
        assert pull(client, a, cursor)["reset"] is True  # relinked: a new couple
        from api.schemas.pagination import encode_cursor

        space = f"c:{client.get('/v1/me', headers=bearer(a)).json()['couple_id']}"
        assert pull(client, a, encode_cursor([space, 10**9]))["reset"] is True  # ahead of us
        assert_problem(client.get("/v1/sync?cursor=garbage", headers=bearer(a)), 422)

    def test_solo_users_sync_their_own(self, client: TestClient) -> None:
        alone = register(client)
        assignment = today(client, alone)
        answer(client, alone, assignment, "just me")
        changed, _ = pull_all(client, alone)
        assert [c["entity"] for c in changed] == ["assignment", "answer"]


class TestPush:
    def test_applied_in_order_replayed_forever_and_rejections_do_not_block(
        self, client: TestClient
    ) -> None:
        a, _ = make_couple(client)
        assignment = today(client, a)
        body = {
            "type": "answer.put",
            "assignment_id": assignment["id"],
            "answer": {"content": {"type": "open", "text": "x"}},
        }
        results = push(
            client,
            a,
            {"id": "m-1", "type": "checkin.put", "checkin_id": "ci-1", "mood": 4},
            {"id": "m-2", "type": "teleport"},
            {
                "id": "m-3",
                "type": "answer.put",
                "assignment_id": "not-mine",
                "answer": {"content": {"type": "open", "text": "x"}},
            },
            {"id": "m-4", "type": "checkin.put", "checkin_id": "ci-1", "mood": 9},
            {"id": "m-5", "type": "checkin.put", "checkin_id": "ci-1", "mood": 2, "note": "later"},
        )
        assert [r["status"] for r in results] == [
            "applied",
            "rejected",
            "rejected",
            "rejected",
            "applied",
        ]
        assert all(r["reason"] for r in results if r["status"] == "rejected")
        again = push(
            client, a, {"id": "m-1", "type": "checkin.put", "checkin_id": "ci-1", "mood": 1}
        )
        assert again[0]["status"] == "duplicate" and again[0]["first_status"] == "applied"
        checkins = client.get("/v1/checkins", headers=bearer(a)).json()["items"]
        assert [(c["mood"], c["note"]) for c in checkins] == [(2, "later")]
        assert body  # the shape used below

    def test_stale_edit_is_applied_and_reported_with_what_it_overwrote(
        self, client: TestClient
    ) -> None:
        a, _ = make_couple(client)
        open_one = client.get("/v1/exercises?type=open&limit=1", headers=bearer(a)).json()["items"][
            0
        ]
        assignment = client.post(
            "/v1/assignments", json={"exercise_id": open_one["id"]}, headers=bearer(a)
        ).json()

        def put(mid: str, text: str, base: int | None) -> dict[str, Any]:
            mutation = {
                "id": mid,
                "type": "answer.put",
                "assignment_id": assignment["id"],
                "answer": {"content": {"type": "open", "text": text}},
            }
            if base is not None:
                mutation["base_version"] = base
            return push(client, a, mutation)[0]

        assert put("p1", "from the phone", None)["status"] == "applied"
        assert put("p2", "phone again", 1)["status"] == "applied"  # now version 2
        stale = put("t1", "from the tablet, offline since v1", 1)
        assert stale["status"] == "conflict"
        assert stale["overwritten"] == {"type": "open", "text": "phone again"}
        assert stale["answer"]["content"]["text"] == "from the tablet, offline since v1"
        push(client, a, {"id": "d1", "type": "answer.delete", "assignment_id": assignment["id"]})
        lost = put("t2", "edit of a deleted answer", 3)
        assert lost["status"] == "conflict"
        seen = client.get(f"/v1/assignments/{assignment['id']}", headers=bearer(a)).json()
        assert seen["my_answer"] is None  # the delete won

    def test_the_overwritten_text_is_kept_in_the_answers_revisions(
        self, client: TestClient, app: FastAPI
    ) -> None:
        a, _ = make_couple(client)
        assignment = open_assignment(client, a)

        def put(mid: str, text: str, base: int | None = None) -> dict[str, Any]:
            mutation = {
                "id": mid,
                "type": "answer.put",
                "assignment_id": assignment["id"],
                "answer": {"content": {"type": "open", "text": text}},
            } | ({"base_version": base} if base is not None else {})
            return push(client, a, mutation)[0]

        put("p1", "first words")
        put("p2", "second words", 1)  # not stale: no revision kept
        stale = put("t1", "tablet words", 1)
        assert stale["status"] == "conflict"
        with Session(app.state.runtime.database.reader) as db:
            kept = db.exec(
                select(AnswerRevision).where(AnswerRevision.answer_id == stale["answer"]["id"])
            ).all()
        assert [(r.version, r.content) for r in kept] == [
            (2, {"type": "open", "text": "second words"})
        ]

    def test_comment_add_and_reaction_set_and_clear_reach_the_partners_pull(
        self, client: TestClient
    ) -> None:
        a, b = make_couple(client)
        assignment = open_assignment(client, a)
        answer(client, a, assignment, "A")
        theirs = answer(client, b, assignment, "B")["my_answer"]
        _, cursor = pull_all(client, b)
        results = push(
            client,
            a,
            {
                "id": "m-comment",
                "type": "comment.add",
                "assignment_id": assignment["id"],
                "comment_id": "comment-1",
                "body": "Tell me more tonight?",
            },
            {"id": "m-react", "type": "reaction.set", "answer_id": theirs["id"], "emoji": "💛"},
        )
        assert [r["status"] for r in results] == ["applied", "applied"]
        changes, cursor = pull_all(client, b, cursor)
        [comment] = [c for c in changes if c["entity"] == "comment"]
        [reaction] = [c for c in changes if c["entity"] == "reaction"]
        listed = client.get(f"/v1/assignments/{assignment['id']}/comments", headers=bearer(b))
        assert listed.json()["items"] == [comment["data"]]
        assert (comment["id"], comment["data"]["body"]) == ("comment-1", "Tell me more tonight?")
        shown = client.get(f"/v1/assignments/{assignment['id']}", headers=bearer(b)).json()
        assert shown["reactions"] == [reaction["data"]]
        assert reaction["data"]["emoji"] == "💛"

        again = push(client, a, {"id": "m-comment", "type": "comment.add"})
        assert again[0]["status"] == "duplicate"
        cleared = push(
            client, a, {"id": "m-clear", "type": "reaction.clear", "answer_id": theirs["id"]}
        )
        assert cleared[0]["status"] == "applied"
        after, _ = pull_all(client, b, cursor)
        assert [(c["entity"], c["op"], c["id"]) for c in after] == [
            ("reaction", "delete", reaction["id"])
        ]
        shown = client.get(f"/v1/assignments/{assignment['id']}", headers=bearer(b)).json()
        assert shown["reactions"] == []
        assert (
            len(
                client.get(
                    f"/v1/assignments/{assignment['id']}/comments", headers=bearer(b)
                ).json()["items"]
            )
            == 1
        )

    def test_comments_and_reactions_wait_for_the_reveal(self, client: TestClient) -> None:
        a, b = make_couple(client)
        assignment = open_assignment(client, a)
        theirs = answer(client, b, assignment, "B")["my_answer"]
        results = push(
            client,
            a,
            {
                "id": "early-comment",
                "type": "comment.add",
                "assignment_id": assignment["id"],
                "comment_id": "early",
                "body": "Too soon",
            },
            {"id": "early-react", "type": "reaction.set", "answer_id": theirs["id"], "emoji": "💛"},
            {"id": "early-clear", "type": "reaction.clear", "answer_id": theirs["id"]},
        )
        assert [r["status"] for r in results] == ["rejected"] * 3
        changes, _ = pull_all(client, b)
        assert [c for c in changes if c["entity"] in ("comment", "reaction")] == []

    def test_batch_bounds(self, client: TestClient) -> None:
        a = register(client)
        assert_problem(client.post("/v1/sync", json={"mutations": []}, headers=bearer(a)), 422)
        many = [
            {"id": f"m{i}", "type": "checkin.put", "checkin_id": "c", "mood": 3} for i in range(101)
        ]
        assert_problem(client.post("/v1/sync", json={"mutations": many}, headers=bearer(a)), 422)


class TestCost:
    def test_a_pull_costs_the_same_with_10_or_10000_old_changes(
        self, client: TestClient, app: FastAPI
    ) -> None:
        counts = []
        for history in (10, 10_000):
            a, b = make_couple(client)
            assignment = today(client, a)
            answer(client, a, assignment)
            answer(client, b, assignment)
            _bulk_comments(app, a, client, assignment["id"], history)
            _, cursor = pull_all(client, a, limit=500)
            client.post(
                f"/v1/assignments/{assignment['id']}/comments",
                json={"body": "new"},
                headers=bearer(a),
            )
            counts.append(count_statements(app, lambda c=cursor, t=a: pull(client, t, c)))
        assert counts[0] == counts[1]

    def test_a_client_at_the_head_is_answered_without_the_database(
        self, client: TestClient, app: FastAPI
    ) -> None:
        a, _ = make_couple(client)
        answer(client, a, today(client, a))
        _, cursor = pull_all(client, a)
        at_head = count_statements(app, lambda: pull(client, a, cursor))
        assert pull(client, a, cursor) == {
            "changes": [],
            "cursor": cursor,
            "has_more": False,
            "reset": False,
        }
        assert at_head == 0


def _bulk_comments(
    app: FastAPI, tokens: dict[str, Any], client: TestClient, assignment_id: str, n: int
) -> None:
    """Many old changes, written straight to the database (through HTTP it would take minutes)."""
    me = client.get("/v1/me", headers=bearer(tokens)).json()
    space = f"c:{me['couple_id']}"
    engine = app.state.runtime.database.writer
    with engine.begin() as connection:
        head = connection.execute(
            text("SELECT head_seq FROM couple WHERE id = :id"), {"id": me["couple_id"]}
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO comment (id, assignment_id, user_id, body, created_at, space,"
                " change_seq) VALUES (:id, :a, :u, 'old', :t, :s, :seq)"
            ),
            [
                {
                    "id": f"old-{space}-{i}",
                    "a": assignment_id,
                    "u": me["id"],
                    "t": "2026-01-01 00:00:00",
                    "s": space,
                    "seq": head + i + 1,
                }
                for i in range(n)
            ],
        )
        connection.execute(
            text("UPDATE couple SET head_seq = :h WHERE id = :id"),
            {"h": head + n, "id": me["couple_id"]},
        )
