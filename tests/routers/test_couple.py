"""SPEC.md §3 through HTTP: invites, joining, the couple, unlinking, and breakups' data."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.services.rituals.pulses import question_ids
from tests.concurrency.calls import Call, at_once
from tests.factories import (
    PASSWORD,
    answer,
    bearer,
    link,
    make_couple,
    register,
    renewed,
    today,
)
from tests.isolation import partner_data_paths
from tests.support import FrozenClock, assert_problem

CODE = re.compile(r"^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$")


def invite(client: TestClient, tokens: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/couple/invite", headers=bearer(tokens))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def join(client: TestClient, tokens: dict[str, Any], code: str) -> httpx.Response:
    return client.post("/v1/couple/join", json={"code": code}, headers=bearer(tokens))


class TestInvite:
    def test_code_is_readable_and_expires_in_48_hours(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        body = invite(client, register(client))
        assert CODE.match(body["code"])
        assert body["link"] == f"https://app.attune.invalid/join/{body['code']}"
        expires = datetime.fromisoformat(body["expires_at"])
        assert expires - clock.now() == timedelta(hours=48)

    def test_codes_never_use_look_alikes(self, client: TestClient) -> None:
        tokens = register(client)
        codes = "".join(invite(client, tokens)["code"] for _ in range(15))
        assert not set(codes) & set("0O1IL")

    def test_a_new_invite_replaces_the_old(self, client: TestClient) -> None:
        tokens, partner = register(client), register(client)
        old = invite(client, tokens)["code"]
        new = invite(client, tokens)["code"]
        assert client.get("/v1/couple/invite", headers=bearer(tokens)).json()["code"] == new
        assert_problem(join(client, partner, old), 404)

    def test_get_and_revoke(self, client: TestClient) -> None:
        tokens, partner = register(client), register(client)
        assert_problem(client.get("/v1/couple/invite", headers=bearer(tokens)), 404)
        code = invite(client, tokens)["code"]
        assert client.delete("/v1/couple/invite", headers=bearer(tokens)).status_code == 204
        assert_problem(client.get("/v1/couple/invite", headers=bearer(tokens)), 404)
        assert_problem(join(client, partner, code), 404)

    def test_expired_invite_is_not_live(self, client: TestClient, clock: FrozenClock) -> None:
        tokens = register(client)
        invite(client, tokens)
        clock.advance(timedelta(hours=48))
        tokens = renewed(client, tokens)
        assert_problem(client.get("/v1/couple/invite", headers=bearer(tokens)), 404)

    def test_linked_people_cannot_invite(self, client: TestClient) -> None:
        inviter, _ = make_couple(client)
        assert_problem(client.post("/v1/couple/invite", headers=bearer(inviter)), 409)

    def test_needs_a_token(self, client: TestClient) -> None:
        assert_problem(client.post("/v1/couple/invite"), 401)


class TestJoin:
    def test_links_the_two(self, client: TestClient) -> None:
        inviter = register(client, display_name="Robin", timezone="America/Chicago")
        joiner = register(client, display_name="Kai", timezone="Asia/Seoul")
        code = invite(client, inviter)["code"]
        response = join(client, joiner, code)
        assert response.status_code == 201
        couple = response.json()
        assert couple["partner"]["display_name"] == "Robin"
        assert couple["timezone"] == "America/Chicago"  # the inviter's
        assert couple["day_starts_at"] == "04:00"
        assert couple["focus_themes"] == [] and couple["journey"] is None
        seen_by_inviter = client.get("/v1/couple", headers=bearer(inviter)).json()
        assert seen_by_inviter["id"] == couple["id"]
        assert seen_by_inviter["partner"]["display_name"] == "Kai"
        for tokens in (inviter, joiner):
            assert client.get("/v1/me", headers=bearer(tokens)).json()["couple_id"] == couple["id"]
        assert_problem(client.get("/v1/couple/invite", headers=bearer(inviter)), 404)

    @pytest.mark.parametrize("typed", ["{c}", "{lower}", "{c4}-{r4}", " {c4} {r4} "])
    def test_code_is_case_and_dash_insensitive(self, client: TestClient, typed: str) -> None:
        inviter, joiner = register(client), register(client)
        code = invite(client, inviter)["code"]
        typed = typed.format(c=code, lower=code.lower(), c4=code[:4], r4=code[4:])
        assert join(client, joiner, typed).status_code == 201

    def test_unknown_code(self, client: TestClient) -> None:
        assert_problem(join(client, register(client), "ABCDEFGH"), 404)

    def test_expired_code(self, client: TestClient, clock: FrozenClock) -> None:
        inviter, joiner = register(client), register(client)
        code = invite(client, inviter)["code"]
        clock.advance(timedelta(hours=48, seconds=1))
        assert_problem(join(client, renewed(client, joiner), code), 410)

    def test_own_code(self, client: TestClient) -> None:
        tokens = register(client)
        problem = assert_problem(join(client, tokens, invite(client, tokens)["code"]), 422)
        assert problem["errors"][0]["loc"] == ["body", "code"]

    def test_joiner_already_linked(self, client: TestClient) -> None:
        _, joiner = make_couple(client)
        assert_problem(join(client, joiner, invite(client, register(client))["code"]), 409)

    def test_inviter_linked_since(self, client: TestClient) -> None:
        inviter, first, second = register(client), register(client), register(client)
        code = invite(client, inviter)["code"]
        assert join(client, first, code).status_code == 201
        assert join(client, second, code).status_code in (404, 409)

    def test_guessing_is_rate_limited(self, client: TestClient) -> None:
        guesser = register(client)
        for attempt in range(10):
            assert_problem(join(client, guesser, f"ABCDEFG{'23456789'[attempt % 8]}"), 404)
        response = join(client, guesser, "ABCDEFGH")
        assert_problem(response, 429)
        assert int(response.headers["retry-after"]) > 0

    def test_relinking_starts_a_new_couple(self, client: TestClient) -> None:
        a, b = register(client), register(client)
        first = link(client, a, b)
        assert client.delete("/v1/couple", headers=bearer(a)).status_code == 204
        second = link(client, b, a)
        assert second["id"] != first["id"]


class TestJoinRaces:
    """Concurrent joins through a real server: whatever the interleaving, one couple."""

    def _race(self, live_server: str, calls: list[tuple[dict[str, Any], str]]) -> list[int]:
        requests = [Call("POST", "/v1/couple/join", bearer(t), {"code": c}) for t, c in calls]
        return sorted(r.status_code for r in at_once(live_server, requests))

    def test_joining_each_others_codes_at_once(self, client: TestClient, live_server: str) -> None:
        for _ in range(5):
            a, b = register(client), register(client)
            code_a, code_b = invite(client, a)["code"], invite(client, b)["code"]
            assert self._race(live_server, [(a, code_b), (b, code_a)]) == [201, 409]
            couple_a = client.get("/v1/couple", headers=bearer(a)).json()
            couple_b = client.get("/v1/couple", headers=bearer(b)).json()
            assert couple_a["id"] == couple_b["id"]

    def test_two_people_joining_one_code(self, client: TestClient, live_server: str) -> None:
        for _ in range(5):
            inviter, first, second = register(client), register(client), register(client)
            code = invite(client, inviter)["code"]
            statuses = self._race(live_server, [(first, code), (second, code)])
            assert statuses[0] == 201 and statuses[1] in (404, 409)
            linked = [
                client.get("/v1/me", headers=bearer(t)).json()["couple_id"] for t in (first, second)
            ]
            assert sum(couple_id is not None for couple_id in linked) == 1


@pytest.mark.usefixtures("content")
class TestCouple:
    def test_not_linked_is_404(self, client: TestClient) -> None:
        assert_problem(client.get("/v1/couple", headers=bearer(register(client))), 404)

    def test_patch(self, client: TestClient) -> None:
        a, b = make_couple(client)
        response = client.patch(
            "/v1/couple",
            json={"timezone": "Pacific/Auckland", "day_starts_at": "05:30"},
            headers=bearer(a),
        )
        assert response.status_code == 200
        seen_by_b = client.get("/v1/couple", headers=bearer(b)).json()
        assert (seen_by_b["timezone"], seen_by_b["day_starts_at"]) == ("Pacific/Auckland", "05:30")

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"timezone": "UTC+02:00"}, "timezone"),
            ({"timezone": "Etc/GMT+2"}, "timezone"),
            ({"day_starts_at": "4am"}, "day_starts_at"),
            ({"timezone": None}, "timezone"),
            ({"focus_themes": ["trust", "trust"]}, "focus_themes"),
            ({"focus_themes": ["Not A Slug"]}, "focus_themes"),
            ({"id": "mine"}, "id"),
            ({"linked_at": "2020-01-01T00:00:00Z"}, "linked_at"),
        ],
    )
    def test_patch_validates(self, client: TestClient, body: dict[str, Any], field: str) -> None:
        a, _ = make_couple(client)
        before = client.get("/v1/couple", headers=bearer(a)).json()
        problem = assert_problem(client.patch("/v1/couple", json=body, headers=bearer(a)), 422)
        assert problem["errors"][0]["loc"][:2] == ["body", field]
        assert client.get("/v1/couple", headers=bearer(a)).json() == before

    def test_patch_when_not_linked(self, client: TestClient) -> None:
        response = client.patch(
            "/v1/couple", json={"day_starts_at": "05:00"}, headers=bearer(register(client))
        )
        assert_problem(response, 404)

    def test_unlink_ends_it_for_both(self, client: TestClient) -> None:
        a, b = make_couple(client)
        assert client.delete("/v1/couple", headers=bearer(b)).status_code == 204
        for tokens in (a, b):
            assert_problem(client.get("/v1/couple", headers=bearer(tokens)), 404)
            assert client.get("/v1/me", headers=bearer(tokens)).json()["couple_id"] is None
        assert_problem(client.delete("/v1/couple", headers=bearer(a)), 404)

    def test_a_stranger_sees_only_their_own_couple(self, client: TestClient) -> None:
        a, b = make_couple(client)
        stranger, _ = make_couple(client)
        ours = client.get("/v1/couple", headers=bearer(a)).json()
        theirs = client.get("/v1/couple", headers=bearer(stranger)).json()
        assert theirs["id"] != ours["id"]
        for path in partner_data_paths(assignment_id="none"):
            text = client.get(path, headers=bearer(stranger)).text
            assert ours["id"] not in text and ours["partner"]["id"] not in text


def _share_everything(
    client: TestClient, author: dict[str, Any], partner: dict[str, Any], marker: str
) -> list[str]:
    """The author answers today and an extra (revealed), comments and checks in: every kind
    of partner data there is, each carrying `marker`. Returns the texts, then the extra's id."""
    assignment = today(client, author)
    exercise = client.get("/v1/exercises?type=open&limit=1", headers=bearer(author)).json()[
        "items"
    ][0]
    extra = client.post(
        "/v1/assignments", json={"exercise_id": exercise["id"]}, headers=bearer(author)
    ).json()
    text = f"{marker} answer"
    for who, body in ((author, text), (partner, f"reply to {marker}")):
        client.put(
            f"/v1/assignments/{extra['id']}/answer",
            json={"content": {"type": "open", "text": body}},
            headers=bearer(who),
        )
    answer(client, author, assignment, marker)
    client.post(
        f"/v1/assignments/{extra['id']}/comments",
        json={"body": f"{marker} comment"},
        headers=bearer(author),
    )
    client.post("/v1/checkins", json={"mood": 4, "note": f"{marker} note"}, headers=bearer(author))
    # The rituals: a note of thanks, a nudge, a shared pulse (a pause: `_pause`).
    thanks = client.post(
        "/v1/appreciations", json={"body": f"{marker} thanks"}, headers=bearer(author)
    )
    assert thanks.status_code == 201, thanks.text
    for who in (author, partner):
        client.patch("/v1/me", json={"share_pulse": True}, headers=bearer(who)).raise_for_status()
    month = f"/v1/pulse/{datetime.now(UTC).strftime('%Y-%m')}"
    pulse = {"answers": [{"question_id": q, "score": 2} for q in question_ids()]}
    for who in (author, partner):
        client.put(month, json=pulse, headers=bearer(who)).raise_for_status()
    assert client.post("/v1/couple/nudge", headers=bearer(author)).status_code in (202, 409)
    return [text, f"{marker} comment", f"{marker} note", f"{marker} thanks", extra["id"]]


def _pause(client: TestClient, author: dict[str, Any], marker: str) -> str:
    """The author pauses the couple's dailies, with a reason carrying `marker`."""
    reason = f"{marker} pause reason"
    body = {"until": datetime.now(UTC).date().isoformat(), "reason": reason}
    client.put("/v1/couple/pause", json=body, headers=bearer(author)).raise_for_status()
    return reason


def _identity(client: TestClient, tokens: dict[str, Any]) -> list[str]:
    me = client.get("/v1/me", headers=bearer(tokens)).json()
    return [me["id"], me["email"], me["display_name"]]


@pytest.mark.usefixtures("content")
class TestBreakups:
    """After an unlink or an account deletion, nobody sees the former partner's anything."""

    def _assert_isolated(
        self, client: TestClient, viewer: dict[str, Any], former: list[str], **ids: str
    ) -> None:
        for path in partner_data_paths(**ids):
            response = client.get(path, headers=bearer(viewer))
            for secret in former:
                assert secret not in response.text, f"{path} shows {secret!r}"

    def test_after_unlink(self, client: TestClient) -> None:
        a, b = make_couple(client)
        *shared_a, extra_a = _share_everything(client, a, b, "A-secret")
        *shared_b, extra_b = _share_everything(client, b, a, "B-secret")
        shared_a.append(_pause(client, a, "A-secret"))
        who_a, who_b = _identity(client, a) + shared_a, _identity(client, b) + shared_b
        seen_while_linked = "".join(
            client.get(path, headers=bearer(b)).text
            for path in partner_data_paths(assignment_id=extra_a)
        )
        assert all(secret in seen_while_linked for secret in shared_a)  # so the test can fail
        client.delete("/v1/couple", headers=bearer(a))
        self._assert_isolated(client, a, who_b, assignment_id=extra_b)
        self._assert_isolated(client, b, who_a, assignment_id=extra_a)
        # Each keeps their own words.
        export = client.get("/v1/me/export", headers=bearer(a)).text
        assert "A-secret answer" in export and "A-secret comment" in export
        assert "A-secret thanks" in export and "A-secret pause reason" in export

    def test_after_account_deletion(self, client: TestClient) -> None:
        a, b = make_couple(client)
        *shared_a, extra_a = _share_everything(client, a, b, "A-secret")
        shared_a.append(_pause(client, a, "A-secret"))
        who_a = _identity(client, a) + shared_a
        response = client.request(
            "DELETE", "/v1/me", json={"password": PASSWORD}, headers=bearer(a)
        )
        assert response.status_code == 204
        assert_problem(client.get("/v1/couple", headers=bearer(b)), 404)
        self._assert_isolated(client, b, who_a, assignment_id=extra_a)

    def test_relinked_couple_starts_empty(self, client: TestClient) -> None:
        a, b = make_couple(client)
        client.patch("/v1/couple", json={"day_starts_at": "06:00"}, headers=bearer(a))
        client.delete("/v1/couple", headers=bearer(a))
        again = link(client, a, b)
        assert again["day_starts_at"] == "04:00"

    def test_export_lists_past_and_present_couples(self, client: TestClient) -> None:
        a, b = make_couple(client)
        first = client.get("/v1/couple", headers=bearer(a)).json()["id"]
        client.delete("/v1/couple", headers=bearer(a))
        c = register(client)
        second = link(client, c, a)["id"]
        export = client.get("/v1/me/export", headers=bearer(a)).json()
        couples = {couple["id"]: couple for couple in export["couples"]}
        assert set(couples) == {first, second}
        assert couples[first]["ended_at"] is not None
        assert couples[second]["ended_at"] is None
        assert _identity(client, b)[2] not in str(export)


def test_linked_at_is_utc(client: TestClient) -> None:
    a, _ = make_couple(client)
    linked_at = client.get("/v1/couple", headers=bearer(a)).json()["linked_at"]
    assert linked_at.endswith("Z")
    assert datetime.fromisoformat(linked_at).tzinfo == UTC
