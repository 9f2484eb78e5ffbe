"""OWASP API1:2023, broken object level authorization: every route of the app, called by a
stranger couple with the real ids of another couple, finds nothing of theirs and changes
nothing of theirs.

`EXPECTED` names every route. A new route fails `test_every_route_has_an_expectation` until
its line is written here: which of the other couple's ids fill its path, what body it gets
(valid, so that a 422 cannot pass for authorization), and what it must answer.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.main import create_app
from api.services.rituals.pulses import question_ids
from tests.factories import (
    PASSWORD,
    answer,
    api_token,
    bearer,
    link,
    register,
    sample_answer,
    today,
)
from tests.mailbox import SmtpServer
from tests.security.routes import call, route_table
from tests.support import ContentRows, FrozenClock, empty_tables, make_settings


@dataclass
class World:
    """Couple A (a1, a2), with everything a couple can have, and the stranger b1 of couple B."""

    a1: dict[str, Any]
    a2: dict[str, Any]
    b1: dict[str, Any]
    assignment: dict[str, Any]
    ids: dict[str, str]  # path parameters, filled with A's objects
    secrets: set[str] = field(default_factory=set)  # what of A's must never reach b1


@dataclass(frozen=True)
class Probe:
    """What a route gets from b1, and what it must answer. `statuses=None`: a route about the
    caller's own things, which may answer anything but A's data."""

    statuses: frozenset[int] | None
    request: Callable[[World], dict[str, Any]] = lambda _: {}
    params: dict[str, str] = field(default_factory=dict)  # path parameters of its own


def hidden(request: Callable[[World], dict[str, Any]] = lambda _: {}) -> Probe:
    """A's object, by its id: as if it did not exist."""
    return Probe(frozenset({404}), request)


def own(request: Callable[[World], dict[str, Any]] = lambda _: {}) -> Probe:
    return Probe(None, request)


PUBLIC = Probe(frozenset({200}))  # the catalog: the same for everyone, nobody's own
ADMINS_ONLY = Probe(frozenset({403}))  # content management; b1 is no admin
JOURNEY = {"slug": "seven-days-of-trust"}
NEW_PASSWORD = "another long passphrase 99"
MONTH = {"month": datetime.now(UTC).strftime("%Y-%m")}
PULSE = {"answers": [{"question_id": q, "score": 3} for q in question_ids()]}


def _answer_body(world: World) -> dict[str, Any]:
    return {"json": sample_answer(world.assignment["exercise"], "from B")}


def _mutation(world: World) -> dict[str, Any]:
    change = {
        "id": str(uuid.uuid4()),
        "type": "answer.put",
        "assignment_id": world.ids["assignment_id"],
        "answer": sample_answer(world.assignment["exercise"], "from B"),
    }
    return {"json": {"mutations": [change]}}


EXPECTED: dict[tuple[str, str], Probe] = {
    # Accounts: b1's own credentials only.
    ("POST", "/v1/auth/register"): own(
        lambda _: {"json": {"email": "new@example.com", "password": PASSWORD, "display_name": "N"}}
    ),
    ("POST", "/v1/auth/token"): own(
        lambda w: {"data": {"username": w.b1["user"]["email"], "password": PASSWORD}}
    ),
    ("POST", "/v1/auth/refresh"): own(lambda w: {"json": {"refresh_token": w.b1["refresh_token"]}}),
    ("POST", "/v1/auth/logout"): own(lambda w: {"json": {"refresh_token": w.b1["refresh_token"]}}),
    ("POST", "/v1/auth/password"): own(
        lambda _: {"json": {"current_password": PASSWORD, "new_password": NEW_PASSWORD}}
    ),
    ("POST", "/v1/auth/password-reset"): own(lambda w: {"json": {"email": w.b1["user"]["email"]}}),
    ("POST", "/v1/auth/password-reset/confirm"): own(
        lambda _: {"json": {"token": "x" * 43, "new_password": NEW_PASSWORD}}
    ),
    ("POST", "/v1/auth/email-verification"): own(),
    ("POST", "/v1/auth/email-verification/confirm"): own(lambda _: {"json": {"token": "x" * 43}}),
    ("GET", "/v1/me"): own(),
    ("PATCH", "/v1/me"): own(lambda _: {"json": {"display_name": "Changed"}}),
    ("DELETE", "/v1/me"): own(lambda _: {"json": {"password": PASSWORD}}),
    ("GET", "/v1/me/export"): own(),
    # The couple: b1's own, whatever b1 sends.
    ("POST", "/v1/couple/invite"): own(),
    ("GET", "/v1/couple/invite"): own(),
    ("DELETE", "/v1/couple/invite"): own(),
    ("POST", "/v1/couple/join"): own(lambda _: {"json": {"code": "ABCDEFGH"}}),
    ("GET", "/v1/couple"): own(),
    ("PATCH", "/v1/couple"): own(lambda _: {"json": {"timezone": "Asia/Tokyo"}}),
    ("DELETE", "/v1/couple"): own(),
    ("PUT", "/v1/couple/journey"): own(lambda _: {"json": {"slug": "seven-days-of-trust"}}),
    ("DELETE", "/v1/couple/journey"): own(),
    ("GET", "/v1/couple/stats"): own(),
    # Content: public to read, admins' to change.
    ("GET", "/v1/themes"): PUBLIC,
    ("POST", "/v1/themes"): ADMINS_ONLY,
    ("PATCH", "/v1/themes/{slug}"): ADMINS_ONLY,
    ("GET", "/v1/exercises"): PUBLIC,
    ("GET", "/v1/exercises/{exercise_id}"): PUBLIC,
    ("POST", "/v1/exercises"): ADMINS_ONLY,
    ("PATCH", "/v1/exercises/{exercise_id}"): ADMINS_ONLY,
    ("DELETE", "/v1/exercises/{exercise_id}"): ADMINS_ONLY,
    ("GET", "/v1/journeys"): PUBLIC,
    ("GET", "/v1/journeys/{slug}"): replace(PUBLIC, params=JOURNEY),
    ("POST", "/v1/journeys"): ADMINS_ONLY,
    ("PATCH", "/v1/journeys/{slug}"): replace(ADMINS_ONLY, params=JOURNEY),
    ("DELETE", "/v1/journeys/{slug}"): replace(ADMINS_ONLY, params=JOURNEY),
    # Assignments and what is written under them.
    ("GET", "/v1/today"): own(),
    ("GET", "/v1/assignments"): own(),
    ("POST", "/v1/assignments"): own(
        lambda w: {"json": {"exercise_id": w.assignment["exercise"]["id"]}}
    ),
    ("GET", "/v1/assignments/{assignment_id}"): hidden(),
    ("PUT", "/v1/assignments/{assignment_id}/answer"): hidden(_answer_body),
    ("DELETE", "/v1/assignments/{assignment_id}/answer"): hidden(),
    ("GET", "/v1/assignments/{assignment_id}/comments"): hidden(),
    ("POST", "/v1/assignments/{assignment_id}/comments"): hidden(
        lambda _: {"json": {"body": "Hello from B"}}
    ),
    ("PUT", "/v1/answers/{answer_id}/reaction"): hidden(lambda _: {"json": {"emoji": "🔥"}}),
    ("DELETE", "/v1/answers/{answer_id}/reaction"): hidden(),
    ("POST", "/v1/checkins"): own(lambda _: {"json": {"mood": 2, "note": "B's day"}}),
    ("GET", "/v1/checkins"): own(),
    # The rituals: B's own couple's, and A's appreciations by their ids as if none existed.
    ("POST", "/v1/appreciations"): own(lambda _: {"json": {"body": "Thanks from B"}}),
    ("GET", "/v1/appreciations"): own(),
    ("PUT", "/v1/appreciations/{appreciation_id}/reaction"): hidden(
        lambda _: {"json": {"emoji": "🔥"}}
    ),
    ("DELETE", "/v1/appreciations/{appreciation_id}/reaction"): hidden(),
    ("POST", "/v1/couple/nudge"): own(),
    ("PUT", "/v1/couple/pause"): own(
        lambda _: {"json": {"until": datetime.now(UTC).date().isoformat()}}
    ),
    ("DELETE", "/v1/couple/pause"): own(),
    ("GET", "/v1/pulse/questions"): PUBLIC,
    ("PUT", "/v1/pulse/{month}"): replace(own(lambda _: {"json": PULSE}), params=MONTH),
    ("GET", "/v1/pulse/{month}"): replace(own(), params=MONTH),
    # Sync: a mutation naming A's assignment is refused, never applied.
    ("GET", "/v1/sync"): own(),
    ("POST", "/v1/sync"): own(_mutation),
    ("GET", "/v1/events"): own(),
    ("PUT", "/v1/devices/{device_id}"): hidden(
        lambda _: {"json": {"platform": "ios", "token": "b-push-token"}}
    ),
    ("DELETE", "/v1/devices/{device_id}"): hidden(),
    # API tokens.
    ("POST", "/v1/tokens"): own(lambda _: {"json": {"name": "B", "scopes": ["profile:read"]}}),
    ("GET", "/v1/tokens"): own(),
    ("DELETE", "/v1/tokens/{token_id}"): hidden(),
    # Outside /v1: nobody's data.
    ("GET", "/healthz"): own(),
    ("GET", "/readyz"): own(),
    ("GET", "/metrics"): own(),
    ("GET", "/docs"): own(),
    ("GET", "/docs/oauth2-redirect"): own(),
    ("GET", "/redoc"): own(),
    ("GET", "/docs-assets/{name}"): own(),
}


@pytest.fixture(scope="module")
def module_client(
    database_url: str, smtp: SmtpServer, _shipped_content: ContentRows
) -> Iterator[TestClient]:
    """One app for the module: couple A is built once; each probe gets a fresh stranger."""
    # Every probe registers and links a new couple B, from the same address.
    busy = {"register_limit_per_address": "1000/hour", "join_limit_per_address": "1000/hour"}
    settings = make_settings(database_url, smtp.port, **busy)
    app = create_app(settings, FrozenClock(datetime.now(UTC)))
    with TestClient(app) as client:
        yield client
    app.state.runtime.close()
    empty_tables(database_url)


def test_every_route_has_an_expectation(module_client: TestClient) -> None:
    routes = route_table(module_client.app)
    assert routes - EXPECTED.keys() == set(), "add these routes to EXPECTED"
    assert EXPECTED.keys() - routes == set(), "these routes are gone: remove them"


@pytest.fixture(scope="module")
def couple_a(module_client: TestClient) -> World:
    client = module_client
    a1 = register(client, email="alice.a@example.com", display_name="Alice of A")
    a2 = register(client, email="arno.a@example.com", display_name="Arno of A")
    couple = link(client, a1, a2)
    assignment = today(client, a1)
    mine = answer(client, a1, assignment, "A-secret-one")["my_answer"]
    theirs = answer(client, a2, assignment, "A-secret-two")["my_answer"]
    url = f"/v1/assignments/{assignment['id']}/comments"
    comment = client.post(url, json={"body": "A-secret-comment"}, headers=bearer(a1)).json()
    client.put(f"/v1/answers/{theirs['id']}/reaction", json={"emoji": "❤️"}, headers=bearer(a1))
    client.post("/v1/checkins", json={"mood": 5, "note": "A-secret-note"}, headers=bearer(a1))
    thanks = client.post(
        "/v1/appreciations", json={"body": "A-secret-thanks"}, headers=bearer(a2)
    ).json()
    url = f"/v1/appreciations/{thanks['id']}/reaction"
    client.put(url, json={"emoji": "❤️"}, headers=bearer(a1)).raise_for_status()
    client.put(f"/v1/pulse/{MONTH['month']}", json=PULSE, headers=bearer(a1)).raise_for_status()
    token = api_token(client, a1, "profile:read")
    device = {"platform": "android", "token": "A-secret-push-token"}
    client.put("/v1/devices/a-device", json=device, headers=bearer(a1)).raise_for_status()
    ids = {
        "assignment_id": assignment["id"],
        "answer_id": theirs["id"],
        "appreciation_id": thanks["id"],
        "token_id": token["id"],
        "device_id": "a-device",
        "exercise_id": assignment["exercise"]["id"],
        "slug": "trust",
        "name": "swagger-ui.css",
    }
    people = [a1["user"], a2["user"]]
    secrets = {p[key] for p in people for key in ("id", "email", "display_name")}
    secrets |= {couple["id"], assignment["id"], mine["id"], theirs["id"]}
    secrets |= {comment["id"], token["id"], token["prefix"], "A-secret", "a-device"}
    secrets |= {thanks["id"]}
    return World(a1, a2, {}, assignment, ids, secrets)


@pytest.fixture
def world(module_client: TestClient, couple_a: World) -> World:
    """Couple A, and b1 of a new couple B."""
    b1 = register(module_client, display_name="Bea of B")
    link(module_client, b1, register(module_client, display_name="Bo of B"))
    return replace(couple_a, b1=b1)


@pytest.fixture(scope="module")
def a_state(module_client: TestClient, couple_a: World, database_url: str) -> Callable[[], Any]:
    """Everything couple A can see, and A's rows no endpoint shows (devices)."""
    a1, a2 = couple_a.a1, couple_a.a2
    assignment = f"/v1/assignments/{couple_a.ids['assignment_id']}"
    views = [
        (a1, "/v1/me"),
        (a2, "/v1/me"),
        (a1, "/v1/couple"),
        (a1, assignment),
        (a2, assignment),
        (a1, f"{assignment}/comments"),
        (a1, "/v1/checkins"),
        (a1, "/v1/appreciations"),
        (a1, f"/v1/pulse/{MONTH['month']}"),
        (a1, "/v1/couple/stats"),
        (a1, "/v1/tokens"),
        (a1, "/v1/sync"),
    ]
    a_people = {a1["user"]["id"], a2["user"]["id"]}

    def state() -> Any:
        seen = [module_client.get(path, headers=bearer(who)).json() for who, path in views]
        engine = create_engine(database_url)
        with engine.connect() as db:
            devices = db.execute(text("SELECT id, user_id, token FROM device ORDER BY id")).all()
        engine.dispose()
        return seen, [tuple(row) for row in devices if row.user_id in a_people]

    return state


@pytest.mark.parametrize(
    ("method", "path"), sorted(EXPECTED), ids=[f"{m} {p}" for m, p in sorted(EXPECTED)]
)
def test_a_stranger_finds_and_changes_nothing(
    module_client: TestClient, world: World, a_state: Callable[[], Any], method: str, path: str
) -> None:
    probe = EXPECTED[(method, path)]
    sent = probe.request(world)
    url = path.format(**(world.ids | probe.params))
    before = a_state()
    status, body = call(module_client, method, url, headers=bearer(world.b1), **sent)
    if probe.statuses is not None:
        assert status in probe.statuses, body
    assert status < 500, body
    named = {value for value in world.ids.values() if value in url or value in str(sent)}
    leaked = sorted(secret for secret in world.secrets - named if secret in body)
    assert not leaked, f"{method} {path} showed B what is A's: {leaked}"
    assert a_state() == before, f"{method} {path} changed what is A's"
