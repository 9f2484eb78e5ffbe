"""Small helpers that build state through the API, the way a client would."""

import itertools
from typing import Any

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery staple 42"
_counter = itertools.count(1)


def register(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {
        "email": f"user{next(_counter)}@example.com",
        "password": PASSWORD,
        "display_name": "Sam",
    } | fields
    response = client.post("/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/v1/auth/token", data={"username": email, "password": password})
