"""The reveal rule under random sequences of answers, edits, withdrawals and an unlink by two
partners: after every step, every endpoint shows each person exactly what the rule allows."""

import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import bearer, extra_assignment, make_couple
from tests.support import pull_all, replay

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
    # Each example registers and links a couple from the same address.
    return {"register_limit_per_address": "1000/hour", "join_limit_per_address": "1000/hour"}


def examples(count: int) -> Any:
    # The client and database are shared on purpose: each example makes its own couple.
    return settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )


@pytest.mark.usefixtures("content")
@examples(25)
@given(steps=ACTIONS)
def test_every_endpoint_follows_the_reveal_rule(
    client: TestClient, steps: list[tuple[str, int]]
) -> None:
    people = list(make_couple(client))
    assignment = extra_assignment(client, people[0], "open")
    path = f"/v1/assignments/{assignment['id']}/answer"
    model = Model()
    for step in steps:
        act(client, people, path, model, step)
        check(client, people, assignment["id"], model)


# The same rule for guesses and reactions, on REST, sync (a fresh pull and a device that keeps
# pulling from its cursor) and export: every path must render what REST renders.
GUESS_ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), st.sampled_from([0, 1]), st.integers(0, 2), st.integers(0, 2)),
        st.tuples(st.just("withdraw"), st.sampled_from([0, 1])),
        st.tuples(st.just("react"), st.sampled_from([0, 1]), st.sampled_from([0, 1])),
        st.tuples(st.just("unlink"), st.sampled_from([0, 1])),
    ),
    min_size=1,
    max_size=8,
)
EMOJI = ["💛", "😂", "🙏"]


@dataclass
class GuessModel:
    """Each person's answer as (pick, guess, edited), its id, the reactions, reveal, link."""

    answers: list[tuple[str, str, bool] | None] = field(default_factory=lambda: [None, None])
    ids: list[str | None] = field(default_factory=lambda: [None, None])
    reactions: dict[tuple[int, int], str] = field(default_factory=dict)
    revealed: bool = False
    linked: bool = True

    def expected(self, owner: int, viewer: int) -> dict[str, Any] | None:
        """What `viewer` sees of `owner`'s answer: None (nothing or masked) or its fields."""
        mine, other = self.answers[owner], self.answers[1 - owner]
        if mine is None or (owner != viewer and not self.revealed):
            return None
        correct = mine[1] == other[0] if self.revealed and other is not None else None
        return {"pick": mine[0], "guess": mine[1], "edited": mine[2], "guess_correct": correct}


@dataclass
class Device:
    """A phone that keeps its synced copy and pulls from its cursor after every step."""

    cursor: str | None = None
    state: dict[tuple[str, str], Any] = field(default_factory=dict)


def guess_act(
    client: TestClient,
    people: list[dict[str, Any]],
    assignment: dict[str, Any],
    model: GuessModel,
    step: tuple[Any, ...],
) -> None:
    action, who = step[0], step[1]
    headers = bearer(people[who])
    options = [option["id"] for option in assignment["exercise"]["options"]]
    path = f"/v1/assignments/{assignment['id']}/answer"
    if action == "unlink":
        assert client.delete("/v1/couple", headers=headers).status_code == (
            204 if model.linked else 404
        )
        model.linked = False
    elif action == "answer":
        pick, guess = options[step[2]], options[step[3]]
        content = {"type": "guess", "pick": pick, "guess": guess}
        response = client.put(path, json={"content": content}, headers=headers)
        if not model.linked:
            assert response.status_code == 404
            return
        assert response.status_code in (200, 201), response.text
        before = model.answers[who]
        changed = before is None or before[:2] != (pick, guess)
        edited = (before is not None and before[2]) or (changed and model.revealed)
        model.answers[who] = (pick, guess, edited)
        model.ids[who] = response.json()["my_answer"]["id"]
        model.revealed = model.revealed or all(model.answers)
    elif action == "withdraw":
        response = client.delete(path, headers=headers)
        if not model.linked or model.answers[who] is None:
            assert response.status_code == 404
            return
        assert response.status_code == 204
        model.answers[who], model.ids[who] = None, None
        model.reactions = {k: v for k, v in model.reactions.items() if k[0] != who}
    else:
        target = step[2]
        emoji = EMOJI[(who + 2 * target + len(model.reactions)) % len(EMOJI)]
        answer_id = model.ids[target] or "no-such-answer"
        response = client.put(
            f"/v1/answers/{answer_id}/reaction", json={"emoji": emoji}, headers=headers
        )
        allowed = model.linked and model.ids[target] is not None
        if not allowed or (target != who and not model.revealed):
            assert response.status_code == 404
            return
        assert response.status_code == 200, response.text
        model.reactions[(target, who)] = emoji


def _fields(shown: dict[str, Any] | None) -> dict[str, Any] | None:
    if shown is None:
        return None
    content = shown["content"]
    return {
        "pick": content["pick"],
        "guess": content["guess"],
        "edited": shown["edited"],
        "guess_correct": shown["guess_correct"],
    }


def _of_assignment(state: dict[tuple[str, str], Any], answer_ids: set[str], aid: str) -> Any:
    answers = {k[1]: v for k, v in state.items() if k[0] == "answer" and v["assignment_id"] == aid}
    reactions = {k[1]: v for k, v in state.items() if k[0] == "reaction"}
    return answers, {k: v for k, v in reactions.items() if v["answer_id"] in answer_ids}


def guess_check(
    client: TestClient,
    people: list[dict[str, Any]],
    assignment: dict[str, Any],
    model: GuessModel,
    devices: list[Device],
) -> None:
    aid = assignment["id"]
    ids = {answer_id for answer_id in model.ids if answer_id is not None}
    for me in (0, 1):
        headers = bearer(people[me])
        user_ids = [person["user"]["id"] for person in people]
        rest = client.get(f"/v1/assignments/{aid}", headers=headers)
        fresh, _ = pull_all(client, people[me])
        fresh_state = replay(fresh)
        answers, reactions = _of_assignment(fresh_state, ids, aid)
        exported = client.get("/v1/me/export", headers=headers).json()
        [kept] = [x["answer"] for x in exported["answers"] if x["assignment_id"] == aid] or [None]
        assert _fields(kept) == model.expected(me, me)
        if not model.linked:
            assert rest.status_code == 404
            assert answers == {} and reactions == {}
            continue
        body = rest.json()
        assert _fields(body["my_answer"]) == model.expected(me, me)
        assert _fields(body["partner_answer"]) == model.expected(1 - me, me)
        assert kept == body["my_answer"]
        expected_reactions = {
            (model.ids[owner], user_ids[reactor], emoji)
            for (owner, reactor), emoji in model.reactions.items()
            if model.expected(owner, me) is not None
        }
        assert {(r["answer_id"], r["user_id"], r["emoji"]) for r in body["reactions"]} == (
            expected_reactions
        )
        # Sync renders exactly what REST renders.
        for shown in (body["my_answer"], body["partner_answer"]):
            if shown is not None:
                assert answers[shown["id"]] == shown | {"assignment_id": aid}
        partner_id = model.ids[1 - me]
        if partner_id is not None and body["partner_answer"] is None:
            assert answers[partner_id] == {
                "assignment_id": aid,
                "author_id": user_ids[1 - me],
                "answered": True,
            }
        assert {(r["answer_id"], r["user_id"], r["emoji"]) for r in reactions.values()} == (
            expected_reactions
        )
        # A device that kept pulling from its cursor holds exactly what a fresh pull shows.
        device = devices[me]
        changes, cursor = pull_all(client, people[me], device.cursor)
        page = client.get("/v1/sync", params={"cursor": device.cursor or ""}, headers=headers)
        if device.cursor and page.json()["reset"]:
            changes, cursor = pull_all(client, people[me])
            device.state = {}
        device.state, device.cursor = replay(changes, device.state), cursor
        assert _of_assignment(device.state, ids, aid) == (answers, reactions)


@pytest.mark.usefixtures("content")
@examples(20)
@given(steps=GUESS_ACTIONS)
def test_guesses_and_reactions_render_alike_on_every_path(
    client: TestClient, steps: list[tuple[Any, ...]]
) -> None:
    people = list(make_couple(client))
    assignment = extra_assignment(client, people[0], "guess")
    model, devices = GuessModel(), [Device(), Device()]
    for step in steps:
        guess_act(client, people, assignment, model, step)
        guess_check(client, people, assignment, model, devices)
