"""Conditional hot reads (SPEC.md §1): `/v1/today`, `/v1/sync`, `/v1/me`, `/v1/couple` and
`/v1/assignments/{id}` send an ETag; `If-None-Match` with it is a 304 with no body, until
anything the caller would see changes. Never the partner's tag."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import (
    answer,
    bearer,
    make_couple,
    open_assignment,
    register,
    renewed,
    sample_answer,
)
from tests.support import FrozenClock, count_statements

pytestmark = pytest.mark.usefixtures("content")

HOT_READS = ["/v1/today", "/v1/sync", "/v1/me", "/v1/couple"]


def etag_of(client: TestClient, path: str, tokens: dict[str, Any], **headers: str) -> str:
    response = client.get(path, headers=bearer(tokens) | headers)
    assert response.status_code == 200, response.text
    tag: str = response.headers["etag"]
    return tag


def assert_not_modified(
    client: TestClient,
    path: str,
    tokens: dict[str, Any],
    tag: str,
    sent: str | None = None,
    **headers: str,
) -> None:
    """`If-None-Match: <sent>` (by default `tag`) is a 304 with no body and `tag`."""
    condition = {"If-None-Match": sent or tag}
    response = client.get(path, headers=bearer(tokens) | headers | condition)
    assert response.status_code == 304, response.text
    assert response.content == b""
    assert response.headers["etag"] == tag
    assert response.headers["cache-control"] == "no-store"


def assert_modified(client: TestClient, path: str, tokens: dict[str, Any], tag: str) -> str:
    response = client.get(path, headers=bearer(tokens) | {"If-None-Match": tag})
    assert response.status_code == 200, response.text
    assert response.json() and response.headers["etag"] != tag
    fresh: str = response.headers["etag"]
    return fresh


class TestNotModified:
    @pytest.mark.parametrize("path", HOT_READS)
    def test_the_tag_back_is_a_304_with_no_body(self, client: TestClient, path: str) -> None:
        a, _ = make_couple(client)
        tag = etag_of(client, path, a)
        assert tag.startswith('W/"')
        assert_not_modified(client, path, a, tag)
        # Among others, as a client holding several copies sends them.
        assert_not_modified(client, path, a, tag, sent=f'W/"old", {tag}')

    def test_one_assignment(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        path = f"/v1/assignments/{open_assignment(client, a)['id']}"
        assert_not_modified(client, path, a, etag_of(client, path, a))

    def test_a_tag_this_route_did_not_send_gets_the_body(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        for path in HOT_READS:
            assert_modified(client, path, a, 'W/"nothing-we-sent"')
        # One route's tag is not another's.
        assert_modified(client, "/v1/sync", a, etag_of(client, "/v1/today", a))

    def test_solo(self, client: TestClient) -> None:
        solo = register(client)
        for path in ("/v1/today", "/v1/sync", "/v1/me"):
            assert_not_modified(client, path, solo, etag_of(client, path, solo))

    def test_an_api_token_as_a_session(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        made = client.post(
            "/v1/tokens", json={"name": "t", "scopes": ["answers:read"]}, headers=bearer(a)
        ).json()
        headers = {"Authorization": f"Bearer {made['token']}"}
        tag = client.get("/v1/today", headers=headers).headers["etag"]
        again = client.get("/v1/today", headers=headers | {"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b""


class TestNeverSharedBetweenPartners:
    @pytest.mark.parametrize("path", HOT_READS)
    def test_partners_tags_differ(self, client: TestClient, path: str) -> None:
        a, b = make_couple(client)
        mine, theirs = etag_of(client, path, a), etag_of(client, path, b)
        assert mine != theirs
        assert_modified(client, path, b, mine)

    def test_anothers_assignment_is_404_whatever_the_tag(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        c, _ = make_couple(client)
        path = f"/v1/assignments/{open_assignment(client, a)['id']}"
        tag = etag_of(client, path, a)
        response = client.get(path, headers=bearer(c) | {"If-None-Match": tag})
        assert response.status_code == 404


class TestTheTagChangesWithWhatYouSee:
    def test_a_partners_answer(self, client: TestClient) -> None:
        a, b = make_couple(client)
        assignment = client.get("/v1/today", headers=bearer(a)).json()
        path = f"/v1/assignments/{assignment['id']}"
        tags = {p: etag_of(client, p, a) for p in ("/v1/today", "/v1/sync", "/v1/couple", path)}
        answer(client, b, assignment)
        for route, tag in tags.items():
            assert_modified(client, route, a, tag)
        seen = client.get("/v1/today", headers=bearer(a)).json()
        assert seen["partner_status"] == "answered"

    def test_the_reveal(self, client: TestClient) -> None:
        a, b = make_couple(client)
        assignment = client.get("/v1/today", headers=bearer(a)).json()
        answer(client, a, assignment)
        tag = etag_of(client, "/v1/today", a)
        answer(client, b, assignment)
        response = client.get("/v1/today", headers=bearer(a) | {"If-None-Match": tag})
        assert response.status_code == 200 and response.json()["revealed"] is True

    def test_your_profile(self, client: TestClient) -> None:
        a, b = make_couple(client)
        mine, partners_couple = etag_of(client, "/v1/me", a), etag_of(client, "/v1/couple", b)
        changed = client.patch("/v1/me", json={"display_name": "Robin"}, headers=bearer(a))
        assert changed.status_code == 200
        assert_modified(client, "/v1/me", a, mine)
        # The partner sees the name in their couple.
        assert_modified(client, "/v1/couple", b, partners_couple)
        assert client.get("/v1/couple", headers=bearer(b)).json()["partner"]["display_name"] == (
            "Robin"
        )

    def test_a_setting_that_shows_nowhere_else_leaves_the_couple_alone(
        self, client: TestClient
    ) -> None:
        a, b = make_couple(client)
        mine, partners_couple = etag_of(client, "/v1/me", a), etag_of(client, "/v1/couple", b)
        client.patch("/v1/me", json={"reminder_time": "20:30"}, headers=bearer(a))
        assert_modified(client, "/v1/me", a, mine)
        assert_not_modified(client, "/v1/couple", b, partners_couple)

    def test_the_couples_settings(self, client: TestClient) -> None:
        a, b = make_couple(client)
        tags = [etag_of(client, "/v1/couple", p) for p in (a, b)]
        today_tag = etag_of(client, "/v1/today", b)
        changed = client.patch("/v1/couple", json={"day_starts_at": "05:00"}, headers=bearer(a))
        assert changed.status_code == 200, changed.text
        for person, tag in zip((a, b), tags, strict=True):
            assert_modified(client, "/v1/couple", person, tag)
        assert_modified(client, "/v1/today", b, today_tag)

    def test_the_language(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        english = etag_of(client, "/v1/today", a, **{"Accept-Language": "en"})
        spanish = etag_of(client, "/v1/today", a, **{"Accept-Language": "es"})
        assert english != spanish
        assert_not_modified(client, "/v1/today", a, spanish, **{"Accept-Language": "es"})
        response = client.get(
            "/v1/today", headers=bearer(a) | {"Accept-Language": "es", "If-None-Match": english}
        )
        assert response.status_code == 200 and response.headers["content-language"] == "es"

    def test_a_new_day(self, client: TestClient, clock: FrozenClock) -> None:
        a, _ = make_couple(client)
        first = client.get("/v1/today", headers=bearer(a))
        clock.advance(timedelta(days=1))
        a = renewed(client, a)
        response = client.get(
            "/v1/today", headers=bearer(a) | {"If-None-Match": first.headers["etag"]}
        )
        assert response.status_code == 200 and response.json()["id"] != first.json()["id"]

    def test_sync_per_cursor_and_limit(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        pulled = client.get("/v1/sync", headers=bearer(a))
        tag, cursor = pulled.headers["etag"], pulled.json()["cursor"]
        assert_modified(client, f"/v1/sync?cursor={cursor}", a, tag)
        assert_modified(client, "/v1/sync?limit=5", a, tag)
        caught_up = etag_of(client, f"/v1/sync?cursor={cursor}", a)
        assert_not_modified(client, f"/v1/sync?cursor={cursor}", a, caught_up)
        client.post("/v1/checkins", json={"mood": 4}, headers=bearer(a))
        assert_modified(client, f"/v1/sync?cursor={cursor}", a, caught_up)

    def test_unlinking(self, client: TestClient) -> None:
        a, b = make_couple(client)
        tags = {path: etag_of(client, path, b) for path in ("/v1/today", "/v1/me", "/v1/sync")}
        assert client.delete("/v1/couple", headers=bearer(a)).status_code == 204
        for path, tag in tags.items():
            assert_modified(client, path, b, tag)
        assert client.get("/v1/today", headers=bearer(b)).json()["kind"] == "solo"


class TestBodiesKeptInMemory:
    """A body rendered once is served again under the same digest: always its own viewer's,
    and never once a write has moved what the viewer would see."""

    @pytest.mark.parametrize("path", ["/v1/today", "assignment"])
    def test_a_kept_body_follows_every_write_and_never_crosses_partners(
        self, client: TestClient, path: str
    ) -> None:
        a, b = make_couple(client)
        assignment = client.get("/v1/today", headers=bearer(a)).json()
        url = path if path.startswith("/") else f"/v1/assignments/{assignment['id']}"

        def seen(tokens: dict[str, Any]) -> dict[str, Any]:
            first, again = (client.get(url, headers=bearer(tokens)) for _ in range(2))
            assert first.status_code == again.status_code == 200
            assert first.json() == again.json()
            assert first.headers["etag"] == again.headers["etag"]
            assert again.headers["content-language"] == "en"
            assert again.headers["cache-control"] == "no-store"
            body: dict[str, Any] = again.json()
            return body

        assert seen(a)["partner_status"] == seen(b)["partner_status"] == "pending"
        answer(client, a, assignment, "from a")
        mine, theirs = seen(a), seen(b)
        assert mine["my_answer"] is not None and theirs["my_answer"] is None
        assert theirs["partner_status"] == "answered" and theirs["partner_answer"] is None
        answer(client, b, assignment, "from b")
        assert seen(a)["partner_answer"] == seen(b)["my_answer"]
        assert seen(b)["partner_answer"] == seen(a)["my_answer"]

    def test_the_couple_as_each_partner_sees_it_and_after_a_rename(
        self, client: TestClient
    ) -> None:
        a, b = make_couple(client)

        def partner_seen_by(tokens: dict[str, Any]) -> str:
            first, again = (client.get("/v1/couple", headers=bearer(tokens)) for _ in range(2))
            assert first.json() == again.json()
            assert first.headers["etag"] == again.headers["etag"]
            name: str = again.json()["partner"]["display_name"]
            return name

        before = (partner_seen_by(a), partner_seen_by(b))
        assert before[0] != before[1]
        renamed = client.patch("/v1/me", json={"display_name": "Renamed"}, headers=bearer(b))
        assert renamed.status_code == 200
        assert (partner_seen_by(a), partner_seen_by(b)) == ("Renamed", before[1])

    def test_a_kept_body_is_served_without_the_database(
        self, client: TestClient, app: FastAPI
    ) -> None:
        a, _ = make_couple(client)
        # The first read makes the assignment; the second reads the couple again, at its new head.
        for _ in range(2):
            client.get("/v1/today", headers=bearer(a))
        assert count_statements(app, lambda: client.get("/v1/today", headers=bearer(a))) == 0


class TestIfMatchTakesTheTagOfARead:
    def test_edit_with_the_tag_of_the_assignment(self, client: TestClient) -> None:
        a, _ = make_couple(client)
        assignment = open_assignment(client, a)
        path = f"/v1/assignments/{assignment['id']}"
        body = sample_answer(assignment["exercise"], "first")
        before = etag_of(client, path, a)
        assert before.startswith('W/"0.')  # not answered yet
        created = client.put(f"{path}/answer", json=body, headers=bearer(a) | {"If-Match": before})
        assert created.status_code == 201, created.text
        # The tag seen before answering no longer holds: an answer exists now.
        stale = client.put(f"{path}/answer", json=body, headers=bearer(a) | {"If-Match": before})
        assert stale.status_code == 412
        seen = etag_of(client, path, a)
        assert seen.startswith('W/"1.')
        edited = client.put(
            f"{path}/answer",
            json=sample_answer(assignment["exercise"], "second"),
            headers=bearer(a) | {"If-Match": seen},
        )
        assert edited.status_code == 200 and edited.headers["etag"] == '"2"'
        stale = client.delete(f"{path}/answer", headers=bearer(a) | {"If-Match": seen})
        assert stale.status_code == 412
        today_tag = etag_of(client, "/v1/today", a)
        assert today_tag.startswith('W/"0.')  # today's daily, not this extra: unanswered


class TestDocumented:
    @pytest.mark.parametrize(
        "path", [*HOT_READS, "/v1/assignments/{assignment_id}"], ids=lambda p: p
    )
    def test_etag_if_none_match_and_304(self, app: FastAPI, path: str) -> None:
        operation = app.openapi()["paths"][path]["get"]
        names = {(p["in"], p["name"]) for p in operation["parameters"]}
        assert ("header", "If-None-Match") in names
        assert "ETag" in operation["responses"]["200"]["headers"]
        assert "ETag" in operation["responses"]["304"]["headers"]
        assert "content" not in operation["responses"]["304"]
