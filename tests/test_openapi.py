"""The committed OpenAPI document is what the app serves, and it serves code generators well."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openapi_schema_validator import OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from api.__main__ import OPENAPI_PATH
from api.edge.contract.names import SCHEMAS, walk
from tests.factories import api_token, bearer, open_assignment, register, token_bearer

METHODS = {"get", "put", "post", "patch", "delete"}


def test_committed_document_matches_the_app(client: TestClient) -> None:
    served = client.get("/openapi.json").json()
    committed = json.loads(Path(OPENAPI_PATH).read_text(encoding="utf-8"))
    assert served == committed, "run `python -m api openapi` and commit openapi/openapi.json"


def test_every_operation_is_documented_for_generators(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    seen: set[str] = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert len(operation.get("tags", [])) == 1, where
            operation_id = operation["operationId"]
            assert operation_id.startswith(operation["tags"][0] + "_"), where
            assert operation_id not in seen, where
            seen.add(operation_id)
            errors = [s for s in operation["responses"] if s[0] in "45"]
            for status in errors:
                content = operation["responses"][status]["content"]
                assert list(content) == ["application/problem+json"], f"{where} {status}"
            if path.startswith("/v1/") and operation["security"]:
                assert "401" in operation["responses"], where


def test_component_names_read_as_nouns(client: TestClient) -> None:
    """Every client's type names: no Python `In`/`Out` suffix, no generated `Type0`, no
    inline union or enum left for a generator to name (`ItemsInner`, `Body`)."""
    document = client.get("/openapi.json").json()
    for name in document["components"]["schemas"]:
        assert not re.search(r"((?<!Check)In|Out|Type\d+|Input|Output)$", name), name
        assert not name.startswith(("Body_", "Response_")), name
    for node in walk(document["paths"]):
        assert "oneOf" not in node and "enum" not in node, node
    stable = ("Assignment", "Invite", "AnswerContent", "ValidationProblem", "ScopeProblem")
    for name in (*stable, "Exercise", "SyncMutationResult"):
        assert name in document["components"]["schemas"]


def test_every_union_has_a_required_discriminator(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    unions = {name: schema for name, schema in schemas.items() if "oneOf" in schema}
    assert set(unions) >= {"AnswerContent", "Exercise", "NewExercise"}
    for name, union in unions.items():
        tag = union["discriminator"]["propertyName"]
        base = schemas[f"{name}Base"]
        assert base["required"] == [tag] and base["discriminator"] == union["discriminator"]
        for value, target in union["discriminator"]["mapping"].items():
            # Each variant: the base (which moshi's Kotlin reads), then its own closed fields.
            inherited, own = schemas[target.rsplit("/", 1)[1]]["allOf"]
            assert inherited == {"$ref": f"#/components/schemas/{name}Base"}, (name, target)
            assert tag in own["required"], (name, target)
            assert own["properties"][tag]["const"] == value, (name, target)


def test_every_parameter_is_described(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if "$ref" in parameter:
                    parameter = document["components"]["parameters"][
                        parameter["$ref"].rsplit("/", 1)[1]
                    ]
                assert parameter.get("description"), f"{method} {path} {parameter['name']}"


def test_patch_bodies_admit_null_only_where_it_clears(client: TestClient) -> None:
    """The PATCH rule: a field left out keeps its value; null clears it, and only the fields
    where clearing means something admit null (the server refuses it elsewhere, 422)."""
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    clearable = {"ProfileUpdate": {"reminder_time"}, "ExerciseUpdate": {"follow_up"}}
    for path, item in document["paths"].items():
        if "patch" not in item:
            continue
        ref = item["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        name = ref.rsplit("/", 1)[1]
        nullable = {
            field
            for field, schema in schemas[name]["properties"].items()
            if {"type": "null"} in schema.get("anyOf", [])
        }
        assert nullable == clearable.get(name, set()), path
        assert not schemas[name].get("required"), path


def test_every_body_has_an_example(client: TestClient) -> None:
    """Each request and success body, in /docs and in generated clients' docs (each example is
    validated against its schema by tests/e2e/test_openapi_valid.py)."""
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    missing = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            bodies = [operation.get("requestBody", {})]
            bodies += [r for status, r in operation["responses"].items() if status[0] == "2"]
            for body in bodies:
                media = body.get("content", {}).get("application/json")
                if media is None or media.get("examples"):
                    continue
                ref = media["schema"].get("$ref", "")
                if not schemas.get(ref.rsplit("/", 1)[-1], {}).get("examples"):
                    missing.append(f"{method} {path}")
    assert not missing, missing


def assert_declared(document: dict[str, Any], declared: dict[str, Any], body: Any) -> None:
    """`body` matches the schema `declared` for it, and every member it carries is named by
    that schema (a member no schema names is what made generators model bodies as maps)."""
    registry = Registry().with_resource(
        "urn:attune:openapi", Resource.from_contents(document, DRAFT202012)
    )
    pointed = {"$ref": "urn:attune:openapi" + declared["$ref"]} if "$ref" in declared else declared
    validator = OAS31Validator(pointed, registry=registry)
    assert not [error.message for error in validator.iter_errors(body)], body
    schema = document["components"]["schemas"][declared["$ref"].removeprefix(SCHEMAS)]
    assert set(body) <= set(schema["properties"]), set(body) - set(schema["properties"])


def declared_body(document: dict[str, Any], method: str, path: str, status: str) -> Any:
    content = document["paths"][path][method]["responses"][status]["content"]
    return next(iter(content.values()))["schema"]


def test_a_missing_scope_is_a_scope_problem(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    user = register(client)
    made = api_token(client, user, "profile:read")
    mutation = {"id": "m1", "type": "checkin.put", "checkin_id": "c1", "mood": 4}
    refused = client.post("/v1/sync", json={"mutations": [mutation]}, headers=token_bearer(made))
    assert refused.status_code == 403
    declared = declared_body(document, "post", "/v1/sync", "403")
    assert declared == {"$ref": SCHEMAS + "ScopeProblem"}
    assert_declared(document, declared, refused.json())
    assert refused.json()["missing_scopes"] == ["answers:write"]


@pytest.mark.usefixtures("content")
def test_every_sync_result_is_a_declared_mutation_result(client: TestClient) -> None:
    """Applied, conflict (with the answer and what it overwrote), duplicate (with its first
    status) and rejected: each as SyncMutationResult declares it."""
    document = client.get("/openapi.json").json()
    user = register(client)
    assignment = open_assignment(client, user)

    def put(mutation_id: str, text: str, **base_version: int) -> dict[str, Any]:
        content = {"type": "open", "text": text}
        return {"id": mutation_id, "type": "answer.put", "assignment_id": assignment["id"]} | {
            "answer": {"content": content},
            **base_version,
        }

    client.post("/v1/sync", json={"mutations": [put("p0", "first")]}, headers=bearer(user))
    stale = {"base_version": 1}
    batch = [put("p1", "from the phone", **stale), put("t1", "from the tablet", **stale)]
    batch.append(put("p1", "from the phone", **stale))
    batch.append({"id": "r1", "type": "reaction.set", "answer_id": "nope", "emoji": "x"})
    pushed = client.post("/v1/sync", json={"mutations": batch}, headers=bearer(user))
    assert pushed.status_code == 200, pushed.text
    results = pushed.json()["results"]
    assert [r["status"] for r in results] == ["applied", "conflict", "duplicate", "rejected"]
    assert results[1]["overwritten"] == {"type": "open", "text": "from the phone"}
    assert results[2]["first_status"] == "applied"
    declared = declared_body(document, "post", "/v1/sync", "200")
    assert_declared(document, declared, pushed.json())
    item = document["components"]["schemas"]["SyncPushResult"]["properties"]["results"]["items"]
    assert item == {"$ref": SCHEMAS + "SyncMutationResult"}
    for result in results:
        assert_declared(document, item, result)
