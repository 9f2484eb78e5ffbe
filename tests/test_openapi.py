"""The committed OpenAPI document is what the app serves, and it serves code generators well."""

import json
from pathlib import Path

from fastapi.testclient import TestClient

from api.__main__ import OPENAPI_PATH

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
            if path.startswith("/v1/") and operation.get("security") is not None:
                assert "401" in operation["responses"], where
