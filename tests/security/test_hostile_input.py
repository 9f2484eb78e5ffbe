"""Bad input from a hostile client is a 422 (or is ignored), never a 500 and never stored: NUL
in every body type the framework parses, forged cursors on every list, a Unicode digit in
Last-Event-ID, and time zone names that are files on the server rather than places."""

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, answer, bearer, make_couple, open_assignment, register, today
from tests.support import Stream, assert_problem

pytestmark = pytest.mark.usefixtures("content")

# Every spelling of a JSON body FastAPI parses as JSON; only the first was checked for NUL.
JSON_TYPES = [
    "application/json",
    "Application/JSON",
    "APPLICATION/JSON; charset=utf-8",
    "application/merge-patch+json",
    "application/vnd.attune+JSON",
]
NUL_TEXT = "before\\u0000after"  # as it stands in the JSON text


def _json_with_nul(field: str, **fields: Any) -> bytes:
    body = json.dumps(fields | {field: "PLACEHOLDER"})
    return body.replace("PLACEHOLDER", NUL_TEXT).encode()


class TestNulInEveryParsedBody:
    """Comments, check-ins, display names and login answered 500 on PostgreSQL (and SQLite
    stored the NUL) when the content type was spelled any other way than exactly."""

    @pytest.mark.parametrize("content_type", JSON_TYPES)
    def test_check_in_note(self, client: TestClient, content_type: str) -> None:
        tokens = register(client)
        response = client.post(
            "/v1/checkins",
            content=_json_with_nul("note", mood=3),
            headers=bearer(tokens) | {"content-type": content_type},
        )
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body"]
        assert client.get("/v1/checkins", headers=bearer(tokens)).json()["items"] == []

    @pytest.mark.parametrize("content_type", JSON_TYPES)
    def test_display_name(self, client: TestClient, content_type: str) -> None:
        tokens = register(client, display_name="Sam")
        response = client.patch(
            "/v1/me",
            content=_json_with_nul("display_name"),
            headers=bearer(tokens) | {"content-type": content_type},
        )
        assert_problem(response, 422)
        assert client.get("/v1/me", headers=bearer(tokens)).json()["display_name"] == "Sam"

    @pytest.mark.parametrize("content_type", JSON_TYPES[1:])
    def test_comment(self, client: TestClient, content_type: str) -> None:
        a, b = make_couple(client)
        assignment = open_assignment(client, a)
        answer(client, a, assignment)
        answer(client, b, assignment)
        path = f"/v1/assignments/{assignment['id']}/comments"
        response = client.post(
            path,
            content=_json_with_nul("body"),
            headers=bearer(a) | {"content-type": content_type},
        )
        assert_problem(response, 422)
        assert client.get(path, headers=bearer(b)).json()["items"] == []

    @pytest.mark.parametrize(
        "content_type",
        ["APPLICATION/X-WWW-FORM-URLENCODED", "application/x-www-form-urlencoded; charset=UTF-8"],
    )
    def test_login_form(self, client: TestClient, content_type: str) -> None:
        response = client.post(
            "/v1/auth/token",
            content=b"username=a%00b%40example.com&password=whatever+it+is",
            headers={"content-type": content_type},
        )
        assert_problem(response, 422)

    def test_login_multipart_form(self, client: TestClient) -> None:
        email = "multi@example.com"
        register(client, email=email)
        response = client.post(
            "/v1/auth/token",
            files={"username": (None, "a\x00b@example.com"), "password": (None, "x")},
        )
        assert_problem(response, 422)
        form = {"username": (None, email), "password": (None, PASSWORD)}
        assert client.post("/v1/auth/token", files=form).status_code == 200  # multipart works

    def test_a_type_that_is_never_parsed_is_refused_as_a_body(self, client: TestClient) -> None:
        """No content type, or text/plain, is never read as JSON: the body is simply not valid."""
        tokens = register(client)
        for headers in ({"content-type": "text/plain"}, {}):
            response = client.post(
                "/v1/checkins",
                content=_json_with_nul("note", mood=3),
                headers=bearer(tokens) | headers,
            )
            assert_problem(response, 422)
        assert client.get("/v1/checkins", headers=bearer(tokens)).json()["items"] == []


def _cursor(position: Any) -> str:
    raw = json.dumps(position).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Positions no list ever hands out: wrong shapes and types, dates and datetimes without zone, at
# another offset, out of range or spelled otherwise, and text PostgreSQL or UTF-8 cannot hold.
FORGED = [
    _cursor(["2026-01-01T10:00:00", "x"]),
    _cursor(["0001-01-01T00:00:00+01:00", "x"]),
    _cursor(["9999-12-31T23:59:59-01:00", "x"]),
    _cursor(["2026-06-01T10:00:00+02:00", "x"]),
    _cursor(["2026-06-01 10:00:00+00:00", "x"]),
    _cursor(["2026-02-30", "x"]),
    _cursor(["20260101", "x"]),
    _cursor(["2026-01-01", "\ud800"]),
    _cursor(["\udfff", 1]),
    _cursor(["a\u0000", "b"]),
    _cursor([1, 2]),
    _cursor(["x", 1.5]),
    _cursor([True, "x"]),
    _cursor(["x"]),
    _cursor([None]),
    _cursor({"a": 1}),
    _cursor("x"),
    base64.urlsafe_b64encode(b"\xff\xfe[").decode(),
    "!!!not base64!!!",
    "",
]
LISTS = [
    "/v1/assignments",
    "/v1/assignments/{assignment}/comments",
    "/v1/sync",
    "/v1/themes",
    "/v1/journeys",
    "/v1/exercises",
    "/v1/tokens",
]


@pytest.mark.parametrize("path", LISTS)
def test_forged_cursors_on_every_list_are_422_never_500(client: TestClient, path: str) -> None:
    """A comment cursor holding a datetime without zone, or one out of range, was a 500."""
    a, b = make_couple(client)
    assignment = open_assignment(client, a)
    answer(client, a, assignment)
    answer(client, b, assignment)
    url = path.format(assignment=assignment["id"])
    statuses = {}
    for cursor in FORGED:
        response = client.get(url, params={"cursor": cursor}, headers=bearer(a))
        statuses[cursor] = response.status_code
        if response.status_code != 200:
            assert assert_problem(response, 422)["errors"] == [
                {"loc": ["query", "cursor"], "msg": "The cursor is not one this list handed out."}
            ]
    assert 500 not in statuses.values()
    if path.startswith("/v1/assignments"):
        # Their cursors hold a date or a datetime: every forgery here is one.
        assert set(statuses.values()) == {422}, statuses


def test_a_cursor_a_list_handed_out_still_works(client: TestClient) -> None:
    a, b = make_couple(client)
    assignment = open_assignment(client, a)
    answer(client, a, assignment)
    answer(client, b, assignment)
    path = f"/v1/assignments/{assignment['id']}/comments"
    for words in ("one", "two", "three"):
        client.post(path, json={"body": words}, headers=bearer(a))
    first = client.get(path, params={"limit": 2}, headers=bearer(b)).json()
    rest = client.get(path, params={"cursor": first["next_cursor"]}, headers=bearer(b)).json()
    # The clock is frozen: the three share a time, and their ids order them.
    assert sorted(c["body"] for c in first["items"] + rest["items"]) == ["one", "three", "two"]
    today(client, a)  # a second assignment, so the history has a second page
    days = client.get("/v1/assignments", params={"limit": 1}, headers=bearer(a)).json()
    more = client.get("/v1/assignments", params={"cursor": days["next_cursor"]}, headers=bearer(a))
    assert more.status_code == 200 and more.json()["items"]


@pytest.mark.parametrize("last_event_id", ["²", "¹²", "1²", "-1", "1.5", "abc"])
def test_a_last_event_id_that_is_not_ours_is_ignored(
    client: TestClient, live_server: str, last_event_id: str
) -> None:
    """`Last-Event-ID: ²` was a 500: a digit to str.isdigit(), not to int(). Anything but ASCII
    digits is now no id of ours, and the stream starts as with none: the head at once."""
    tokens = register(client)
    open_assignment(client, tokens)
    # As a client sends it: Latin-1 bytes, which the server reads back as "²".
    header: Any = last_event_id.encode("latin-1")
    stream = Stream(live_server, tokens["access_token"], last_event_id=header)
    try:
        assert stream.next_event(within=2) is not None
    finally:
        stream.close()


# Names zoneinfo opens on this kind of server that are not IANA places: the server's own zone
# ("localtime" follows whatever the host is set to), tz's build placeholders, and paths.
NOT_PLACES = ["localtime", "posixrules", "Factory", "Europe/../Europe/Paris", "/etc/localtime"]


class TestOnlyIanaZones:
    @pytest.mark.parametrize("zone", NOT_PLACES)
    def test_on_me(self, client: TestClient, zone: str) -> None:
        tokens = register(client)
        response = client.patch("/v1/me", json={"timezone": zone}, headers=bearer(tokens))
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "timezone"]
        assert zone not in response.text

    @pytest.mark.parametrize("zone", NOT_PLACES)
    def test_on_register(self, client: TestClient, zone: str) -> None:
        body = {"email": "zone@example.com", "password": PASSWORD, "display_name": "Z"}
        response = client.post("/v1/auth/register", json=body | {"timezone": zone})
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "timezone"]

    @pytest.mark.parametrize("zone", NOT_PLACES)
    def test_on_the_couple(self, client: TestClient, zone: str) -> None:
        a, _ = make_couple(client)
        response = client.patch("/v1/couple", json={"timezone": zone}, headers=bearer(a))
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "timezone"]

    @pytest.mark.parametrize("zone", ["Europe/Paris", "America/Argentina/Buenos_Aires", "UTC"])
    def test_places_are_taken(self, client: TestClient, zone: str) -> None:
        tokens = register(client)
        response = client.patch("/v1/me", json={"timezone": zone}, headers=bearer(tokens))
        assert response.status_code == 200 and response.json()["timezone"] == zone
