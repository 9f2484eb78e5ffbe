"""The reveal rule under random sequences of answers, edits, withdrawals and an unlink by two
partners: after every step, every endpoint shows each person exactly what the rule allows."""

import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import bearer, make_couple

ACTIONS = st.lists(
    st.tuples(st.sampled_from(["answer", "withdraw", "unlink"]), st.sampled_from([0, 1])),
    min_size=1,
    max_size=8,
)
_texts = itertools.count()


@dataclass
class Model:
    """What the API should show: each person's current text, past texts, reveal, link."""

    current: list[str | None] = field(default_factory=lambda: [None, None])
    written: list[set[str]] = field(default_factory=lambda: [set(), set()])
    revealed: bool = False
    linked: bool = True


def act(
    client: TestClient, people: list[dict[str, Any]], path: str, model: Model, step: tuple[str, int]
) -> None:
    action, who = step
    headers = bearer(people[who])
    if action == "unlink":
        status = client.delete("/v1/couple", headers=headers).status_code
        assert status == (204 if model.linked else 404)
        model.linked = False
    elif action == "answer":
        text = f"secret-{who}-{next(_texts)}"
        response = client.put(
            path, json={"content": {"type": "open", "text": text}}, headers=headers
        )
        if not model.linked:
            assert response.status_code == 404
            return
        assert response.status_code in (200, 201), response.text
        model.current[who] = text
        model.written[who].add(text)
        model.revealed = model.revealed or all(model.current)
    else:
        response = client.delete(path, headers=headers)
        expected = 404 if not model.linked or model.current[who] is None else 204
        assert response.status_code == expected
        if expected == 204:
            model.current[who] = None


def check(
    client: TestClient, people: list[dict[str, Any]], assignment_id: str, model: Model
) -> None:
    for me, partner in ((0, 1), (1, 0)):
        headers = bearer(people[me])
        one = client.get(f"/v1/assignments/{assignment_id}", headers=headers)
        if not model.linked:
            assert one.status_code == 404
        else:
            body = one.json()
            mine = body["my_answer"]["content"]["text"] if body["my_answer"] else None
            assert mine == model.current[me]
            assert body["revealed"] is model.revealed
            shown = body["partner_answer"]["content"]["text"] if body["partner_answer"] else None
            assert shown == (model.current[partner] if model.revealed else None)
            status = "answered" if model.current[partner] else "pending"
            assert body["partner_status"] == status
        visible = model.current[partner] if model.revealed and model.linked else None
        hidden = model.written[partner] - {visible}
        for path in (
            "/v1/today",
            "/v1/assignments",
            f"/v1/assignments/{assignment_id}",
            f"/v1/assignments/{assignment_id}/comments",
            "/v1/me/export",
        ):
            text = client.get(path, headers=headers).text
            assert not any(secret in text for secret in hidden), (path, model)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"register_limit_per_address": "1000/hour"}  # each example registers a couple


@pytest.mark.usefixtures("content")
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    # The client and database are shared on purpose: each example makes its own couple.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=ACTIONS)
def test_every_endpoint_follows_the_reveal_rule(
    client: TestClient, steps: list[tuple[str, int]]
) -> None:
    people = list(make_couple(client))
    exercise = client.get("/v1/exercises?type=open&limit=1", headers=bearer(people[0])).json()
    assignment = client.post(
        "/v1/assignments",
        json={"exercise_id": exercise["items"][0]["id"]},
        headers=bearer(people[0]),
    ).json()
    path = f"/v1/assignments/{assignment['id']}/answer"
    model = Model()
    for step in steps:
        act(client, people, path, model, step)
        check(client, people, assignment["id"], model)
