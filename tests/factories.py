"""Small helpers that build state through the API, the way a client would: through the
test client, or an httpx client of a real server."""

import itertools
from typing import Any

import httpx

PASSWORD = "correct horse battery staple 42"
_counter = itertools.count(1)


def register(client: httpx.Client, **fields: Any) -> dict[str, Any]:
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


def api_token(
    client: httpx.Client, tokens: dict[str, Any], *scopes: str, **fields: Any
) -> dict[str, Any]:
    """A new API token of the signed-in user (`tokens`); its secret is in `token`."""
    body = {"name": "Integration", "scopes": list(scopes)} | fields
    response = client.post("/v1/tokens", json=body, headers=bearer(tokens))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def token_bearer(made: dict[str, Any]) -> dict[str, str]:
    """The Authorization header of an API token made by `api_token`."""
    return {"Authorization": f"Bearer {made['token']}"}


def login(client: httpx.Client, email: str, password: str = PASSWORD) -> Any:
    return client.post("/v1/auth/token", data={"username": email, "password": password})


def link(client: httpx.Client, inviter: dict[str, Any], joiner: dict[str, Any]) -> dict[str, Any]:
    code = client.post("/v1/couple/invite", headers=bearer(inviter)).json()["code"]
    response = client.post("/v1/couple/join", json={"code": code}, headers=bearer(joiner))
    assert response.status_code == 201, response.text
    couple: dict[str, Any] = response.json()
    return couple


def make_couple(
    client: httpx.Client, **inviter_fields: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two registered, linked people: (inviter's tokens, joiner's tokens)."""
    inviter = register(client, **({"display_name": f"Inviter {next(_counter)}"} | inviter_fields))
    joiner = register(client, display_name=f"Joiner {next(_counter)}")
    link(client, inviter, joiner)
    return inviter, joiner


def renewed(client: httpx.Client, tokens: dict[str, Any]) -> dict[str, Any]:
    """New tokens through the refresh endpoint, for tests that move the clock past 10 minutes."""
    response = client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def today(client: httpx.Client, tokens: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = client.get("/v1/today", headers=bearer(tokens) | headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def sample_answer(exercise: dict[str, Any], marker: str = "") -> dict[str, Any]:
    """A valid answer body for any exercise; `marker` makes open and activity texts unique."""
    kind = exercise["type"]
    if kind == "open":
        return {"content": {"type": "open", "text": f"My honest answer {marker}".strip()}}
    if kind == "choice":
        return {"content": {"type": "choice", "choices": [exercise["options"][0]["id"]]}}
    if kind == "scale":
        return {"content": {"type": "scale", "value": exercise["max"]}}
    if kind == "guess":
        first = exercise["options"][0]["id"]
        return {"content": {"type": "guess", "pick": first, "guess": first}}
    return {
        "content": {"type": "activity", "done": True, "rating": 5, "reflection": f"Lovely {marker}"}
    }


def answer(
    client: httpx.Client, tokens: dict[str, Any], assignment: dict[str, Any], marker: str = ""
) -> dict[str, Any]:
    response = client.put(
        f"/v1/assignments/{assignment['id']}/answer",
        json=sample_answer(assignment["exercise"], marker),
        headers=bearer(tokens),
    )
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def extra_assignment(client: httpx.Client, tokens: dict[str, Any], kind: str) -> dict[str, Any]:
    """An extra assignment of the first exercise of a type."""
    exercises = client.get(f"/v1/exercises?type={kind}&limit=1", headers=bearer(tokens)).json()
    response = client.post(
        "/v1/assignments", json={"exercise_id": exercises["items"][0]["id"]}, headers=bearer(tokens)
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def open_assignment(client: httpx.Client, tokens: dict[str, Any]) -> dict[str, Any]:
    """An extra assignment of a free-text exercise, so answers carry their marker text."""
    return extra_assignment(client, tokens, "open")
