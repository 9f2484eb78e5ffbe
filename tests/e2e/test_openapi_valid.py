"""The served OpenAPI document is valid and complete enough to build clients and docs from."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.e2e.support import end_to_end

pytestmark = end_to_end

METHODS = {"get", "put", "post", "patch", "delete"}
PROBLEM = "#/components/schemas/Problem"
# Reachable without a token: signing up and in, and what a signed-out person can do with a
# mailed token. Every other /v1 operation must declare its security requirement.
PUBLIC = {
    "auth_register",
    "auth_token",
    "auth_refresh",
    "auth_logout",
    "auth_request_password_reset",
    "auth_confirm_password_reset",
    "auth_confirm_email_verification",
}


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    served: dict[str, Any] = client.get("/openapi.json").json()
    return served


def operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)  # raises with the first violation
    assert document["openapi"].startswith("3.1")


def test_the_overview_explains_the_reveal_rule_and_sync(document: dict[str, Any]) -> None:
    overview = document["info"]["description"]
    for words in ("**The reveal rule.**", "`partner_status`", "**Offline sync.**", "`reset: true`"):
        assert words in overview


def test_every_operation_has_a_summary_and_a_description(document: dict[str, Any]) -> None:
    undocumented = [
        where
        for where, operation in operations(document)
        if not (operation.get("summary") and operation.get("description"))
    ]
    assert not undocumented, "add summary= and description= to these routes"


def test_json_request_bodies_have_examples(document: dict[str, Any]) -> None:
    """Form bodies are left out: /docs draws a form for them, with nothing to copy."""
    missing = []
    for where, operation in operations(document):
        media = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if media is None:
            continue
        schema = resolve(document, media["schema"])
        if not (media.get("examples") or schema.get("examples")):
            missing.append(where)
    assert not missing, (
        "give these bodies examples: json_schema_extra={'examples': [...]} in the model's "
        "config, or Body(openapi_examples=...) on the route"
    )


def pointer(*parts: str) -> str:
    """A JSON pointer (RFC 6901) into the document."""
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def examples(document: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(where, pointer to the schema it must match, example) for every example in the
    document: in schemas, and beside request and response bodies."""
    found = [
        (name, pointer("components", "schemas", name), example)
        for name, schema in document["components"]["schemas"].items()
        for example in schema.get("examples", [])
    ]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            bodies = [(("requestBody",), operation.get("requestBody", {}))]
            bodies += [(("responses", s), r) for s, r in operation.get("responses", {}).items()]
            for part, body in bodies:
                for media_type, media in body.get("content", {}).items():
                    schema = pointer("paths", path, method, *part, "content", media_type, "schema")
                    named = [e["value"] for e in media.get("examples", {}).values()]
                    for example in named + ([media["example"]] if "example" in media else []):
                        found.append((f"{method.upper()} {path} {' '.join(part)}", schema, example))
    return found


def test_examples_match_their_schemas(document: dict[str, Any]) -> None:
    """A wrong example teaches every client developer the wrong thing. (FastAPI drops nulls
    from examples, which this catches too.)"""
    registry = Registry().with_resource(
        "urn:attune:openapi", Resource.from_contents(document, DRAFT202012)
    )
    checked = examples(document)
    for where, ref, example in checked:
        validator = OAS31Validator({"$ref": f"urn:attune:openapi{ref}"}, registry=registry)
        assert not [error.message for error in validator.iter_errors(example)], where
    assert len(checked) > 20


def test_every_error_response_is_a_problem(document: dict[str, Any]) -> None:
    """A Problem; a 422 its ValidationProblem (with `errors`), a 412 the StaleAnswerProblem
    (with the current answer), the 403 of an operation that needs scopes a ScopeProblem (with
    `missing_scopes`): an error body that carries more has a schema of its own, and none
    declares members it does not name (generators would make a map of it)."""
    own = {"422": "#/components/schemas/ValidationProblem"}
    for where, operation in operations(document):
        scoped = any(need.get("OAuth2PasswordBearer") for need in operation.get("security", []))
        assert not scoped or "403" in operation["responses"], where
        for status, response in operation["responses"].items():
            if status[0] in "45":
                content = response["content"]
                assert list(content) == ["application/problem+json"], f"{where} {status}"
                schema = content["application/problem+json"]["schema"]
                if where == "PUT /v1/assignments/{assignment_id}/answer" and status == "412":
                    assert schema == {"$ref": "#/components/schemas/StaleAnswerProblem"}
                elif scoped and status == "403":
                    assert schema == {"$ref": "#/components/schemas/ScopeProblem"}, where
                else:
                    assert schema == {"$ref": own.get(status, PROBLEM)}, f"{where} {status}"
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    problems = ("Problem", "ValidationProblem", "StaleAnswerProblem", "ScopeProblem")
    for name in problems:
        assert {"type", "title", "status", "detail"} <= set(schemas[name]["required"]), name
    assert "errors" in schemas["ValidationProblem"]["required"]
    assert {"current", "current_version"} <= set(schemas["StaleAnswerProblem"]["required"])
    assert "missing_scopes" in schemas["ScopeProblem"]["required"]
    for name in (*problems, "SyncMutationResult"):
        assert "additionalProperties" not in schemas[name], name


def test_operations_name_their_security(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    for where, operation in operations(document):
        if not where.split(" ")[1].startswith("/v1/"):
            continue
        if operation["operationId"] in PUBLIC:
            assert operation["security"] == [], f"{where} must say it is public"
            continue
        assert operation.get("security"), f"{where} declares no security requirement"
        for requirement in operation["security"]:
            assert set(requirement) <= set(schemes), where
        assert "401" in operation["responses"], where


def test_operation_ids_make_method_names(document: dict[str, Any]) -> None:
    """`couple_join`: the tag, then a short verb; generators turn them into method names."""
    for where, operation in operations(document):
        operation_id = operation["operationId"]
        assert operation_id.isidentifier() and operation_id.islower(), where
        assert operation_id.startswith(operation["tags"][0] + "_"), where
