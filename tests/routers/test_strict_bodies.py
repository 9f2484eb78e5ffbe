"""Request bodies take JSON's own types only, as the document states them, and PATCH bodies
follow the written rule: left out keeps, null clears where clearing means something, null
elsewhere is 422. Form and query parameters still take their text."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, bearer, make_couple, open_assignment, register
from tests.support import assert_problem, make_admin


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/checkins", {"mood": "4"}, "mood"),
        ("/v1/checkins", {"mood": 4.0}, "mood"),
        ("/v1/tokens", {"name": "x", "scopes": ["answers:read"], "expires_in_days": "9"}, None),
        ("/v1/couple/join", {"code": 12345678}, "code"),
    ],
)
def test_a_wrong_json_type_is_refused(
    client: TestClient, path: str, body: dict[str, Any], field: str | None
) -> None:
    headers = bearer(register(client))
    problem = assert_problem(client.post(path, headers=headers, json=body), 422)
    located = problem["errors"][0]["loc"]
    assert all(isinstance(part, str) for part in located)
    assert located[-1] == (field or "expires_in_days")


def test_a_union_tag_written_twice_is_one_tag(client: TestClient, content: None) -> None:
    """moshi's PolymorphicJsonAdapterFactory (README, "Swift and Kotlin") writes a variant's
    `type` as its label and again as its field: the same value twice is the one tag."""
    tokens = register(client)
    assignment = open_assignment(client, tokens)
    body = '{"content": {"type": "open", "type": "open", "text": "The night you stayed up."}}'
    response = client.put(
        f"/v1/assignments/{assignment['id']}/answer",
        content=body,
        headers=bearer(tokens) | {"Content-Type": "application/json"},
    )
    assert response.status_code in (200, 201), response.text
    assert response.json()["my_answer"]["content"] == {
        "type": "open",
        "text": "The night you stayed up.",
    }


def test_a_boolean_is_a_boolean(client: TestClient, content: None, database_url: str) -> None:
    tokens = register(client)
    make_admin(database_url, tokens)
    response = client.patch("/v1/themes/trust", headers=bearer(tokens), json={"sensitive": "no"})
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "sensitive"]


def test_the_login_form_and_queries_still_take_text(client: TestClient, content: None) -> None:
    tokens = register(client, email="form@example.com")
    form = {"username": "form@example.com", "password": PASSWORD}
    assert client.post("/v1/auth/token", data=form).status_code == 200
    listed = client.get("/v1/exercises?limit=2&type=open", headers=bearer(tokens))
    assert listed.status_code == 200 and len(listed.json()["items"]) == 2


class TestPatchRule:
    def test_null_clears_a_reminder_and_nothing_else(self, client: TestClient) -> None:
        headers = bearer(register(client, display_name="Sam"))
        assert client.patch("/v1/me", headers=headers, json={"reminder_time": "20:30"}).is_success
        cleared = client.patch("/v1/me", headers=headers, json={"reminder_time": None})
        assert cleared.status_code == 200
        assert (cleared.json()["reminder_time"], cleared.json()["display_name"]) == (None, "Sam")
        for field in ("display_name", "timezone", "locale"):
            response = client.patch("/v1/me", headers=headers, json={field: None})
            assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", field]

    def test_the_couple_refuses_null(self, client: TestClient, content: None) -> None:
        headers = bearer(make_couple(client)[0])
        for field in ("timezone", "day_starts_at", "focus_themes"):
            response = client.patch("/v1/couple", headers=headers, json={field: None})
            assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", field]
        assert client.patch("/v1/couple", headers=headers, json={}).status_code == 200
