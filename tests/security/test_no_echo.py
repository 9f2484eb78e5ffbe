"""Errors never repeat what was sent: a distinctive marker in every kind of invalid field, in
bodies, forms, paths, queries, headers and sync mutations, never comes back in a response."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, answer, bearer, make_couple, open_assignment
from tests.support import make_admin

pytestmark = pytest.mark.usefixtures("content")

MARKER = "Zqx7Marker"


def _requests(assignment: dict[str, Any], answer_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, httpx arguments) of invalid requests, each carrying the marker."""
    m = MARKER
    a = f"/v1/assignments/{assignment['id']}"
    valid_open = {"type": "open", "text": "fine"}
    mutation = {"id": "mut-1", "assignment_id": assignment["id"]}
    return [
        # Bodies: tags, enums, formats, patterns, lengths, types, unknown fields.
        ("PUT", f"{a}/answer", {"json": {"content": {"type": m}}}),
        ("PUT", f"{a}/answer", {"json": {"content": {"type": m, "text": "x"}}}),
        ("PUT", f"{a}/answer", {"json": {"content": valid_open | {m: 1}}}),
        ("PUT", f"{a}/answer", {"json": {"content": valid_open, m: m}}),
        ("PUT", f"{a}/answer", {"json": {"content": {"type": "scale", "value": m}}}),
        ("PUT", f"{a}/answer", {"json": {"content": {"type": "choice", "choices": [m]}}}),
        ("PUT", f"{a}/answer", {"json": {"content": {"type": "guess", "pick": m, "guess": m}}}),
        ("PUT", f"{a}/answer", {"json": {"content": {"type": "open", "text": m * 600}}}),
        ("PUT", f"{a}/answer", {"json": {"id": f"{m} !", "content": valid_open}}),
        ("PUT", f"{a}/answer", {"json": [m]}),
        ("PUT", f"{a}/answer", {"content": f'{{"content": "{m}'.encode(), "json_type": True}),
        ("PUT", f"/v1/answers/{answer_id}/reaction", {"json": {"emoji": m}}),
        ("PUT", f"/v1/answers/{answer_id}/reaction", {"json": {"emoji": m * 5}}),
        ("POST", f"{a}/comments", {"json": {"body": m * 300}}),
        ("POST", f"{a}/comments", {"json": {"body": 7, m: True}}),
        ("POST", "/v1/checkins", {"json": {"mood": m, "note": m}}),
        ("POST", "/v1/checkins", {"json": {"mood": 9, "note": m * 100}}),
        ("PATCH", "/v1/me", {"json": {"timezone": m}}),
        ("PATCH", "/v1/me", {"json": {"timezone": f"Europe/{m}"}}),
        ("PATCH", "/v1/me", {"json": {"locale": m + "!"}}),
        ("PATCH", "/v1/me", {"json": {"reminder_time": m}}),
        ("PATCH", "/v1/me", {"json": {"display_name": m * 20}}),
        ("PATCH", "/v1/couple", {"json": {"focus_themes": [m, f"{m}-2"]}}),
        ("PATCH", "/v1/couple", {"json": {"focus_themes": [m.lower()]}}),  # slug-shaped
        ("PATCH", "/v1/couple", {"json": {"day_starts_at": m, "timezone": m}}),
        ("POST", "/v1/couple/join", {"json": {"code": m}}),
        ("POST", "/v1/tokens", {"json": {"name": "x", "scopes": [m]}}),
        ("PUT", "/v1/devices/phone-1", {"json": {"platform": m, "token": m}}),
        ("PUT", f"/v1/devices/{m}!", {"json": {"platform": "ios", "token": "t"}}),
        ("POST", "/v1/auth/register", {"json": {"email": f"{m}@", "password": m}}),
        ("POST", "/v1/auth/register", {"json": {"email": f"a<{m}>@example.com"}}),
        ("POST", "/v1/auth/register", {"json": {"email": f"{m}@{m}..example"}}),
        ("POST", "/v1/auth/register", {"json": {"email": f"{m}@example.com", "password": m}}),
        ("POST", "/v1/auth/refresh", {"json": {"refresh_token": m}}),
        ("POST", "/v1/auth/password-reset", {"json": {"email": f"{m}@@example.com"}}),
        ("POST", "/v1/auth/token", {"data": {"username": f"{m}@example.com", "password": m}}),
        ("POST", "/v1/auth/token", {"data": {"username": m, "grant_type": m}}),
        ("POST", "/v1/assignments", {"json": {"exercise_id": m}}),
        ("PUT", "/v1/couple/journey", {"json": {"slug": m}}),
        # Paths, queries and headers.
        ("GET", f"/v1/exercises/{m}", {}),
        ("GET", "/v1/exercises/active-listening-05", {"params": {"version": 999}}),
        ("PATCH", f"/v1/themes/{m}", {"json": {}}),
        ("PATCH", f"/v1/exercises/{m}", {"json": {}}),
        ("DELETE", f"/v1/journeys/{m}", {}),
        ("POST", "/v1/exercises", {"json": {"theme": m}}),
        ("GET", f"/v1/journeys/{m}", {}),
        ("GET", f"/v1/assignments/{m}", {}),
        ("GET", f"/v1/{m}", {}),
        ("GET", "/v1/exercises", {"params": {"type": m, "theme": m * 10}}),
        ("GET", "/v1/checkins", {"params": {"from": m, "to": m}}),
        ("GET", "/v1/assignments", {"params": {"kind": m, "revealed": m, "limit": m}}),
        ("GET", "/v1/sync", {"params": {"cursor": m}}),
        ("GET", "/v1/today", {"headers": {"Accept-Language": m * 10}}),
        ("PUT", f"{a}/answer", {"json": {"content": valid_open}, "headers": {"If-Match": m}}),
        ("POST", "/v1/checkins", {"json": {"mood": 3}, "headers": {"Idempotency-Key": m * 10}}),
        # Sync mutations: rejected ones give a reason, which must not repeat the input either.
        (
            "POST",
            "/v1/sync",
            {
                "json": {
                    "mutations": [
                        mutation | {"type": m},
                        mutation
                        | {"id": "mut-2", "type": "answer.put", "answer": {"content": {"type": m}}},
                        mutation
                        | {
                            "id": "mut-3",
                            "type": "answer.put",
                            m: 1,
                            "answer": {"content": valid_open},
                        },
                        {"id": "mut-4", "type": "reaction.set", "answer_id": answer_id, "emoji": m},
                        {"id": "mut-5", "type": "checkin.put", "checkin_id": m + "!", "mood": m},
                        {
                            "id": "mut-6",
                            "type": "comment.add",
                            "assignment_id": m,
                            "comment_id": "c",
                            "body": "x",
                        },
                        {"id": "mut-7", "type": "reaction.set", "answer_id": m, "emoji": "🙂"},
                    ]
                }
            },
        ),
        ("POST", "/v1/sync", {"json": {"mutations": [{"id": m * 10, "type": "x"}]}}),
    ]


def test_no_error_repeats_what_was_sent(client: TestClient, database_url: str) -> None:
    """ "Input tag 'SECRET' ...", the unknown focus themes listed back, sync rejection reasons
    repeating the tag, a path's id in a 404: each sent the client's own input back."""
    a, b = make_couple(client)
    make_admin(database_url, a)  # so that the content routes' own messages are reached too
    assignment = open_assignment(client, a)
    answer(client, a, assignment)
    answer_id = answer(client, b, assignment)["my_answer"]["id"]
    echoed = []
    for method, path, arguments in _requests(assignment, answer_id):
        if arguments.pop("json_type", False):
            arguments["headers"] = {"content-type": "application/json"}
        headers = bearer(a) | arguments.pop("headers", {})
        response = client.request(method, path, headers=headers, **arguments)
        assert response.status_code != 500, (method, path, response.text)
        if response.status_code < 400 and path != "/v1/sync":
            continue  # taken as valid: nothing to echo (the test names its expectations below)
        shown = response.text
        if path == "/v1/sync" and response.status_code == 200:
            # A result carries its mutation's id, so the client can match it: by design.
            shown = str([r | {"id": None} for r in response.json()["results"]])
        if MARKER.lower() in shown.lower():
            echoed.append((method, path, response.status_code, response.text[:300]))
    assert echoed == [], "\n".join(map(str, echoed))


def test_messages_still_name_the_field_and_what_it_takes(client: TestClient) -> None:
    """Generic, but useful: where the error is and what would have been right."""
    a, b = make_couple(client)
    assignment = open_assignment(client, a)
    url = f"/v1/assignments/{assignment['id']}/answer"
    body = client.put(url, json={"content": {"type": MARKER}}, headers=bearer(a)).json()
    (error,) = body["errors"]
    assert error["loc"] == ["body", "content", "type"]
    assert all(tag in error["msg"] for tag in ("'open'", "'choice'", "'activity'"))
    themes = [t["slug"] for t in client.get("/v1/themes", headers=bearer(a)).json()["items"]]
    body = {"focus_themes": [MARKER.lower()]}
    response = client.patch("/v1/couple", json=body, headers=bearer(a))
    (error,) = response.json()["errors"]
    assert error["loc"] == ["body", "focus_themes"]
    assert all(slug in error["msg"] for slug in themes)
    pushed = client.post(
        "/v1/sync", json={"mutations": [{"id": "m-1", "type": MARKER}]}, headers=bearer(a)
    ).json()
    (result,) = pushed["results"]
    assert result["status"] == "rejected" and "'answer.put'" in result["reason"]
    response = client.post(
        "/v1/auth/register",
        json={"email": f"a<{MARKER}>@x.org", "password": PASSWORD, "display_name": "Sam"},
    )
    (error,) = response.json()["errors"]
    assert error == {"loc": ["body", "email"], "msg": "value is not a valid email address"}
    assert b  # the partner only makes the couple
