"""The committed OpenAPI document is what the app serves, and it serves code generators well."""

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from api.__main__ import OPENAPI_PATH
from api.edge.contract.names import walk

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
    for name in ("Assignment", "Invite", "AnswerContent", "ValidationProblem", "Exercise"):
        assert name in document["components"]["schemas"]


def test_every_union_has_a_required_discriminator(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    unions = {name: schema for name, schema in schemas.items() if "oneOf" in schema}
    assert set(unions) >= {"AnswerContent", "Exercise", "NewExercise"}
    for name, union in unions.items():
        tag = union["discriminator"]["propertyName"]
        for value, target in union["discriminator"]["mapping"].items():
            variant = schemas[target.rsplit("/", 1)[1]]
            assert tag in variant["required"], (name, target)
            assert variant["properties"][tag]["const"] == value, (name, target)


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
