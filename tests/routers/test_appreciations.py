"""Appreciations through HTTP: shown at once, newest first, one reaction each, a notification
without the note, synced, exported, and gone for a former partner."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, api_token, bearer, make_couple, register, token_bearer
from tests.support import FrozenClock, assert_problem, pull_all, push, queued_pushes


def thank(client: TestClient, tokens: dict[str, Any], body: str, **fields: Any) -> Any:
    return client.post("/v1/appreciations", json={"body": body} | fields, headers=bearer(tokens))


def listed(client: TestClient, tokens: dict[str, Any], **params: Any) -> dict[str, Any]:
    response = client.get("/v1/appreciations", params=params, headers=bearer(tokens))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    page: dict[str, Any] = response.json()
    return page


class TestSending:
    def test_the_partner_sees_it_at_once_newest_first(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        a, b = make_couple(client)
        first = thank(client, a, "Thank you for the soup.")
        assert first.status_code == 201, first.text
        body = first.json()
        assert body["author_id"] == a["user"]["id"] and body["reactions"] == []
        clock.advance(timedelta(minutes=1))
        thank(client, b, "Thank you for listening.").raise_for_status()
        seen = listed(client, b)
        assert [item["body"] for item in seen["items"]] == [
            "Thank you for listening.",
            "Thank you for the soup.",
        ]
        assert listed(client, a) == seen

    def test_pages_walk_every_one_once(self, client: TestClient, clock: FrozenClock) -> None:
        a, _ = make_couple(client)
        for n in range(5):
            thank(client, a, f"note {n}").raise_for_status()
            if n % 2:
                clock.advance(timedelta(seconds=1))
        seen, cursor = [], None
        while True:
            page = listed(client, a, limit=2, **({"cursor": cursor} if cursor else {}))
            seen += [item["body"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == [f"note {n}" for n in range(5)] and len(set(seen)) == 5
        assert_problem(client.get("/v1/appreciations?cursor=bogus", headers=bearer(a)), 422)

    def test_a_client_id_is_kept_and_cannot_be_taken_twice(self, client: TestClient) -> None:
        a, b = make_couple(client)
        chosen = str(uuid.uuid4())
        assert thank(client, a, "offline thanks", id=chosen).json()["id"] == chosen
        assert_problem(thank(client, b, "someone else's", id=chosen), 409)
        assert [item["id"] for item in listed(client, b)["items"]] == [chosen]

    def test_a_retry_with_the_same_idempotency_key_sends_one(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        headers = bearer(a) | {"Idempotency-Key": "thanks-1"}
        sent = [
            client.post("/v1/appreciations", json={"body": "once"}, headers=headers)
            for _ in range(2)
        ]
        assert [r.status_code for r in sent] == [201, 201]
        assert sent[0].json() == sent[1].json()
        assert len(listed(client, a)["items"]) == 1

    @pytest.mark.parametrize(
        "body",
        [{"body": ""}, {"body": "   "}, {"body": "x" * 501}, {}, {"body": "hi", "author_id": "x"}],
    )
    def test_invalid_bodies(self, client: TestClient, body: dict[str, Any]) -> None:
        a, _ = make_couple(client)
        response = client.post("/v1/appreciations", json=body, headers=bearer(a))
        assert_problem(response, 422)
        assert listed(client, a)["items"] == []

    def test_not_linked(self, client: TestClient) -> None:
        alone = register(client)
        assert_problem(thank(client, alone, "to nobody"), 404)
        assert listed(client, alone) == {"items": [], "next_cursor": None}

    def test_the_partner_is_notified_without_the_note(
        self, client: TestClient, app: FastAPI
    ) -> None:
        a, b = make_couple(client)
        sent = thank(client, a, "the-words-of-the-note").json()
        notices = [row for row in queued_pushes(app) if row.kind == "partner_appreciated"]
        assert [(n.recipient_user_id, n.actor_user_id) for n in notices] == [
            (b["user"]["id"], a["user"]["id"])
        ]
        assert notices[0].payload == {
            "title": "{partner} sent you an appreciation",
            "appreciation_id": sent["id"],
        }

    def test_scopes(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        reader = token_bearer(api_token(client, a, "answers:read"))
        writer = token_bearer(api_token(client, a, "answers:write", "answers:read"))
        refused = client.post("/v1/appreciations", json={"body": "hi"}, headers=reader)
        assert assert_problem(refused, 403)["missing_scopes"] == ["answers:write"]
        made = client.post("/v1/appreciations", json={"body": "hi"}, headers=writer)
        assert made.status_code == 201
        assert client.get("/v1/appreciations", headers=reader).status_code == 200


class TestReactions:
    def test_one_reaction_each_replaced_and_taken_back(self, client: TestClient) -> None:
        a, b = make_couple(client)
        sent = thank(client, a, "thanks").json()
        url = f"/v1/appreciations/{sent['id']}/reaction"
        first = client.put(url, json={"emoji": "❤️"}, headers=bearer(b))
        assert first.status_code == 200, first.text
        assert first.json()["user_id"] == b["user"]["id"]
        client.put(url, json={"emoji": "🥰"}, headers=bearer(b)).raise_for_status()
        client.put(url, json={"emoji": "🙏"}, headers=bearer(a)).raise_for_status()
        reactions = listed(client, a)["items"][0]["reactions"]
        assert sorted((r["user_id"], r["emoji"]) for r in reactions) == sorted(
            [(b["user"]["id"], "🥰"), (a["user"]["id"], "🙏")]
        )
        assert client.delete(url, headers=bearer(b)).status_code == 204
        assert client.delete(url, headers=bearer(b)).status_code == 204
        reactions = listed(client, b)["items"][0]["reactions"]
        assert [r["emoji"] for r in reactions] == ["🙏"]

    @pytest.mark.parametrize("emoji", ["ok", "", "❤️ ❤️", None])
    def test_only_an_emoji(self, client: TestClient, emoji: str | None) -> None:
        a, b = make_couple(client)
        sent = thank(client, a, "thanks").json()
        url = f"/v1/appreciations/{sent['id']}/reaction"
        assert_problem(client.put(url, json={"emoji": emoji}, headers=bearer(b)), 422)

    def test_another_couples_or_an_unknown_one_is_not_found(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        stranger, _ = make_couple(client)
        sent = thank(client, a, "ours").json()
        for appreciation_id in (sent["id"], "no-such-one"):
            url = f"/v1/appreciations/{appreciation_id}/reaction"
            assert_problem(client.put(url, json={"emoji": "🔥"}, headers=bearer(stranger)), 404)
            assert_problem(client.delete(url, headers=bearer(stranger)), 404)
        assert listed(client, a)["items"][0]["reactions"] == []


class TestSync:
    def test_pulled_as_rest_shows_it_reactions_included(self, client: TestClient) -> None:
        a, b = make_couple(client)
        sent = thank(client, a, "synced thanks").json()
        url = f"/v1/appreciations/{sent['id']}/reaction"
        client.put(url, json={"emoji": "❤️"}, headers=bearer(b)).raise_for_status()
        changes, _ = pull_all(client, b)
        synced = [c for c in changes if c["entity"] == "appreciation"]
        assert [(c["id"], c["op"]) for c in synced] == [(sent["id"], "upsert")]
        assert synced[0]["data"] == listed(client, b)["items"][0]

    def test_a_reaction_is_a_change_of_its_appreciation(self, client: TestClient) -> None:
        a, b = make_couple(client)
        sent = thank(client, a, "thanks").json()
        _, cursor = pull_all(client, a)
        url = f"/v1/appreciations/{sent['id']}/reaction"
        client.put(url, json={"emoji": "❤️"}, headers=bearer(b)).raise_for_status()
        changes, _ = pull_all(client, a, cursor)
        assert [c["entity"] for c in changes] == ["appreciation"]
        assert changes[0]["data"]["reactions"][0]["emoji"] == "❤️"

    def test_the_add_mutation_applies_once(self, client: TestClient) -> None:
        a, b = make_couple(client)
        mutation = {
            "id": str(uuid.uuid4()),
            "type": "appreciation.add",
            "appreciation_id": "offline-thanks-1",
            "body": "written on the train",
        }
        assert push(client, a, mutation)[0]["status"] == "applied"
        assert push(client, a, mutation)[0]["status"] == "duplicate"
        assert [item["id"] for item in listed(client, b)["items"]] == ["offline-thanks-1"]

    def test_the_add_mutation_is_rejected_when_it_cannot_apply(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        alone = register(client)
        base = {"type": "appreciation.add", "appreciation_id": "x-1", "body": "hello"}
        results = push(
            client,
            alone,
            base | {"id": str(uuid.uuid4())},
            base | {"id": str(uuid.uuid4()), "body": ""},
        )
        assert [r["status"] for r in results] == ["rejected", "rejected"]
        assert listed(client, a)["items"] == []


class TestPrivacy:
    def test_export_holds_mine_not_my_partners(self, client: TestClient) -> None:
        a, b = make_couple(client)
        mine = thank(client, a, "my own words").json()
        theirs = thank(client, b, "my partner's words").json()
        url = f"/v1/appreciations/{theirs['id']}/reaction"
        client.put(url, json={"emoji": "❤️"}, headers=bearer(a)).raise_for_status()
        export = client.get("/v1/me/export", headers=bearer(a)).json()
        assert [item["body"] for item in export["appreciations"]] == ["my own words"]
        assert export["appreciations"][0]["id"] == mine["id"]
        assert [r["appreciation_id"] for r in export["appreciation_reactions"]] == [theirs["id"]]
        assert "my partner's words" not in str(export)

    def test_gone_for_both_after_an_unlink(self, client: TestClient) -> None:
        a, b = make_couple(client)
        sent = thank(client, a, "from before").json()
        client.delete("/v1/couple", headers=bearer(b)).raise_for_status()
        for tokens in (a, b):
            assert listed(client, tokens)["items"] == []
            url = f"/v1/appreciations/{sent['id']}/reaction"
            assert_problem(client.put(url, json={"emoji": "🔥"}, headers=bearer(tokens)), 404)
        # Linking again starts a new couple, without the old notes.
        code = client.post("/v1/couple/invite", headers=bearer(a)).json()["code"]
        client.post("/v1/couple/join", json={"code": code}, headers=bearer(b)).raise_for_status()
        assert listed(client, b)["items"] == []

    def test_erased_with_its_author(self, client: TestClient) -> None:
        a, b = make_couple(client)
        thank(client, a, "erase me").raise_for_status()
        mine = thank(client, b, "my own").json()
        erased = client.request("DELETE", "/v1/me", json={"password": PASSWORD}, headers=bearer(a))
        assert erased.status_code == 204
        export = client.get("/v1/me/export", headers=bearer(b)).json()
        assert [item["id"] for item in export["appreciations"]] == [mine["id"]]
        assert "erase me" not in str(export)
