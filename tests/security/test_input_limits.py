"""OWASP API4:2023, unrestricted resource consumption: every input the API takes is bounded.
Walks the OpenAPI document, so a new field without a limit fails here."""

import re
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient

from tests.security.routes import operations

# Strings whose format bounds them already.
_BOUNDED_FORMATS = {"date", "date-time", "time", "uuid"}
# A repetition without an upper bound: `*`, `+`, `{n,}` (unless escaped).
_UNBOUNDED_REPEAT = re.compile(r"(?<!\\)(\*|\+|\{\d+,\})")
# Objects open to any field, and why that is bounded anyway.
OPEN_OBJECTS = {
    # Each mutation is checked on its own when applied, so that a bad one is `rejected` without
    # failing the batch; the batch holds at most 100, within the body size limit.
    "POST /v1/sync application/json.mutations[]",
}


def _bounded_pattern(pattern: str | None) -> bool:
    """An anchored pattern without unbounded repetition can only match so much."""
    return (
        pattern is not None
        and pattern.startswith("^")
        and pattern.endswith("$")
        and not _UNBOUNDED_REPEAT.search(pattern)
    )


def _unbounded(
    document: dict[str, Any], schema: dict[str, Any], where: str, seen: set[str]
) -> Iterator[str]:
    """Where `schema` lets a string or a list grow without limit."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            yield from _unbounded(document, document["components"]["schemas"][name], where, seen)
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for member in schema.get(key, []):
            yield from _unbounded(document, member, where, seen)
    kind = schema.get("type")
    if kind == "string" and not (
        "maxLength" in schema
        or "enum" in schema
        or "const" in schema
        or schema.get("format") in _BOUNDED_FORMATS
        or _bounded_pattern(schema.get("pattern"))
    ):
        yield where
    if kind == "array":
        if "maxItems" not in schema:
            yield where
        yield from _unbounded(document, schema.get("items", {}), f"{where}[]", seen)
    if schema.get("additionalProperties") not in (None, False) and where not in OPEN_OBJECTS:
        yield f"{where}{{}}"
    for name, child in schema.get("properties", {}).items():
        yield from _unbounded(document, child, f"{where}.{name}", seen)


def test_every_input_is_bounded(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    found = []
    for method, path, operation in operations(document):
        for declared in operation.get("parameters", []):
            parameter = (
                document["components"]["parameters"][declared["$ref"].rsplit("/", 1)[1]]
                if "$ref" in declared
                else declared
            )
            where = f"{method} {path} {parameter['in']} {parameter['name']}"
            found += _unbounded(document, parameter["schema"], where, set())
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            found += _unbounded(document, media["schema"], f"{method} {path} {media_type}", set())
    assert found == [], "\n".join(found)
