"""Schemathesis against the app's own OpenAPI document, every check on (its built-in ones and
`declares_every_header_it_sends`, below), signed in as a linked user with the content loaded:
no server error, and no answer the document does not describe (status, headers, content type,
body). The stateful phase follows the document's links. Seeded and bounded, so every run is
the same run."""

import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from api.kernel.config import Settings
from api.main import create_app
from tests.factories import bearer, make_couple, register
from tests.support import empty_tables, make_admin

SEED = 20261126
# Bounded so that CI stays fast; raise it (ATTUNE_FUZZ_EXAMPLES=500) to search deeper.
MAX_EXAMPLES = int(os.environ.get("ATTUNE_FUZZ_EXAMPLES", "25"))
STATEFUL_SCENARIOS = 2 * MAX_EXAMPLES

# The document the app serves, read once to make one test per operation; each test then runs
# against an app of its own (schemathesis' fixture-based loader does not run on pytest 9).
# Keys of its own: without them, an install key would be made beside this unused database.
DOCUMENT = create_app(
    Settings(env="test", database_url="sqlite:///unused.db", jwt_keys={"test-1": "t" * 40})
).openapi()
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
        "max-stream-events": 1,
        "checks": {
            # Valid by the schema is not always valid: the API also checks what a schema cannot
            # say (a time zone that exists, a cursor it handed out, a token it mailed, an
            # Idempotency-Key's first body), and answers those with its documented 400 or 422.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", 400, 401, 403, 404, 409, 422, 429]
            },
        },
        # The allow-list: what the fuzzer finds that is known and owned elsewhere, each with
        # its reason. Every other check is on, for every operation.
        "operations": [
            {
                # A mutation that breaks its shape is answered 200, `rejected` in the results,
                # and never fails the batch (SPEC §6): the document shows the shapes clients
                # must send, the server reports each one that does not fit.
                "include-operation-id": ["sync_push"],
                "checks": {"negative_data_rejection": {"enabled": False}},
            },
        ],
    }
)
CONTENT_TAGS = {"theme", "exercise", "journey"}


def no_content_write(context: Any) -> bool:
    operation = context.operation
    tags = set(operation.definition.raw.get("tags", ()))
    return operation.method.upper() not in {"POST", "PATCH", "DELETE"} or not CONTENT_TAGS & tags


schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
# An exclude, not an include: the configuration's `operations` section already holds an include
# filter that matches every operation, and includes add up, so an include selects them all
# (the admin's run fuzzed the whole document, 68 operations instead of these 8).
content_writes = schema.exclude(func=no_content_write)

# Headers every HTTP response may carry that no client reads off an operation: the transport's,
# and the browser-facing policies of api/edge/hardening.py. Any other header the server sends must
# be declared on the operation's response (api/edge/contract/headers.py), or no client sees it.
TRANSPORT_HEADERS = {
    "content-type",
    "content-length",
    "date",
    "server",
    "cache-control",
    "vary",
    "connection",
    "transfer-encoding",
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
    "content-security-policy",
    # Tells a proxy not to buffer the event stream (GET /v1/events).
    "x-accel-buffering",
}


@schemathesis.check
def declares_every_header_it_sends(ctx: Any, response: Any, case: Any) -> bool | None:
    responses = case.operation.definition.raw["responses"]
    declared = responses.get(str(response.status_code))
    if declared is None:
        # An undocumented status (the 405 to a method the path lacks): another check's finding.
        return None
    names = {name.lower() for name in declared.get("headers", {})}
    undeclared = {name.lower() for name in response.headers} - names - TRANSPORT_HEADERS
    assert not undeclared, (
        f"{case.operation.label} {response.status_code}: undeclared headers {sorted(undeclared)}"
    )
    return None


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Every generated login and join attempt would otherwise soon be refused (429).
    return {
        "login_limit_per_address": "100000/minute",
        "login_limit_per_account": "100000/minute",
        "register_limit_per_address": "100000/hour",
        "join_limit_per_address": "100000/hour",
        "join_limit_per_user": "100000/hour",
        "invite_limit_per_user": "100000/hour",
        "reset_limit_per_address": "100000/hour",
        "reset_limit_per_account": "100000/hour",
        "verification_limit_per_account": "100000/hour",
    }


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    """One keep-alive connection for every call, instead of a new one each."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def signed_in(client: TestClient, content: None) -> dict[str, str]:
    inviter, _ = make_couple(client)
    return bearer(inviter)


@pytest.fixture
def admin(client: TestClient, database_url: str) -> dict[str, str]:
    tokens = register(client)
    make_admin(database_url, tokens)
    return bearer(tokens)


@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_to_its_document(
    case: Any, live_server: str, http: requests.Session, signed_in: dict[str, str]
) -> None:
    case.call_and_validate(base_url=live_server, session=http, headers=signed_in)


@content_writes.parametrize()
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_content_management_keeps_to_its_document(
    case: Any,
    live_server: str,
    http: requests.Session,
    admin: dict[str, str],
    mutable_content: None,
) -> None:
    """The same for an admin, whose writes reach the content rules (put back afterwards)."""
    case.call_and_validate(base_url=live_server, session=http, headers=admin)


def test_workflows_keep_to_the_document(
    live_server: str, http: requests.Session, client: TestClient, database_url: str, content: None
) -> None:
    """Chains of calls that feed each other real ids (make a token, then revoke it; answer,
    then react), for the checks one call cannot make: a deleted thing stays gone, a created
    thing can be read. Each scenario starts from an empty database and a new couple, so that
    it runs the same way however often Hypothesis replays it."""

    class Workflow(schema.as_state_machine()):
        def setup(self) -> None:
            empty_tables(database_url)
            self.headers = bearer(make_couple(client)[0])

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": live_server, "session": http, "headers": self.headers}

    Workflow.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=10,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )


def test_the_admins_run_fuzzes_the_content_writes_and_nothing_else() -> None:
    labels = sorted(result.ok().label for result in content_writes.get_all_operations())
    assert len(labels) == 8, labels
    for label in labels:
        method, path = label.split(" ", 1)
        assert method in {"POST", "PATCH", "DELETE"}, label
        assert path.startswith(("/v1/themes", "/v1/exercises", "/v1/journeys")), label
