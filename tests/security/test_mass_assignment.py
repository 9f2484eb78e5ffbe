"""OWASP API3:2023, mass assignment: a body can never set what the client does not own (ids,
owners, roles, verification, versions). Every JSON body of the API refuses such fields (422,
naming them), and the PATCHes leave everything as it was."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.factories import bearer, make_couple, register
from tests.security.routes import filled, operations
from tests.support import assert_problem, make_admin

OWNED_BY_THE_SERVER = {
    "id": "mine",
    "email_verified": True,
    "is_admin": True,
    "couple_id": "another-couple",
    "version": 99,
    "user_id": "someone-else",
    "author_id": "someone-else",
    "revealed": True,
    "created_at": "2020-01-01T00:00:00Z",
}


def _schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _fields(document: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """The top-level fields a body may have, across the members of a union."""
    schema = _schema(document, schema)
    members = schema.get("oneOf", []) + schema.get("anyOf", []) + schema.get("allOf", [])
    return set(schema.get("properties", {})).union(*(_fields(document, m) for m in members))


def _example(media: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "examples" in media:
        example: dict[str, Any] = next(iter(media["examples"].values()))["value"]
        return example
    found: dict[str, Any] = schema["examples"][0]
    return found


def json_bodies(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], set[str]]]:
    """(method, path, an example body, its fields) of every operation taking JSON."""
    for method, path, operation in operations(document):
        media = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if media is not None:
            schema = _schema(document, media["schema"])
            yield method, path, _example(media, schema), _fields(document, schema)


def test_every_json_body_refuses_what_the_server_owns(
    client: TestClient, database_url: str
) -> None:
    admin = register(client)
    make_admin(database_url, admin)
    document = client.get("/openapi.json").json()
    checked = 0
    for method, path, example, fields in json_bodies(document):
        smuggled = {k: v for k, v in OWNED_BY_THE_SERVER.items() if k not in fields}
        response = client.request(
            method, filled(path), json=example | smuggled, headers=bearer(admin)
        )
        problem = assert_problem(response, 422)
        # A union's member shows in the location: ["body", "open", "is_admin"].
        refused = {error["loc"][-1] for error in problem["errors"]}
        assert set(smuggled) <= refused, f"{method} {path} took {set(smuggled) - refused}"
        checked += 1
    assert checked >= 20


@pytest.fixture
def people(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return make_couple(client)


def _rows(database_url: str, user_id: str) -> list[Any]:
    engine = create_engine(database_url)
    with engine.connect() as db:
        user = db.execute(text("SELECT * FROM user_account WHERE id = :id"), {"id": user_id})
        couple = db.execute(text("SELECT * FROM couple ORDER BY id"))
        rows = [tuple(user.one()), [tuple(row) for row in couple]]
    engine.dispose()
    return rows


@pytest.mark.parametrize(
    ("path", "change"),
    [("/v1/me", {"display_name": "Renamed"}), ("/v1/couple", {"timezone": "Asia/Tokyo"})],
)
@pytest.mark.parametrize("field", sorted(OWNED_BY_THE_SERVER))
def test_a_patch_with_a_server_field_changes_nothing(
    client: TestClient,
    database_url: str,
    people: tuple[dict[str, Any], dict[str, Any]],
    path: str,
    change: dict[str, Any],
    field: str,
) -> None:
    me = people[0]
    before = _rows(database_url, me["user"]["id"])
    body = change | {field: OWNED_BY_THE_SERVER[field]}
    problem = assert_problem(client.patch(path, json=body, headers=bearer(me)), 422)
    assert [error["loc"] for error in problem["errors"]] == [["body", field]]
    assert _rows(database_url, me["user"]["id"]) == before


@pytest.mark.parametrize(
    ("path", "change"),
    [
        ("/v1/themes/trust", {"title": "Renamed"}),
        ("/v1/exercises/trust-01", {"title": "Renamed"}),
        ("/v1/journeys/seven-days-of-trust", {"title": "Renamed"}),
    ],
)
def test_content_patches_cannot_set_ids_or_versions(
    client: TestClient, database_url: str, mutable_content: None, path: str, change: dict[str, Any]
) -> None:
    admin = register(client)
    make_admin(database_url, admin)
    before = client.get(path, headers=bearer(admin)).json() if "themes" not in path else None
    for field in ("id", "slug", "version", "retired", "theme"):
        response = client.patch(path, json=change | {field: "x"}, headers=bearer(admin))
        assert_problem(response, 422)
    if before is not None:
        assert client.get(path, headers=bearer(admin)).json() == before
