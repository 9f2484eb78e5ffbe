"""What is measured: one scenario per endpoint, each a route it needs and the requests that
drive it. A scenario whose route the served API lacks is skipped, with a note."""

import json
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api.schemas.pagination import encode_cursor
from bench.history import PASSWORD, Member
from bench.load import Request

JSON = "application/json"
SYNC_FEW = "sync (~10 changes)"
SYNC_MANY = "sync (~10k changes)"
NOT_MODIFIED = "today 304"


@dataclass(frozen=True)
class Context:
    base_url: str
    members: list[Member]
    tokens: dict[str, str]  # by user id


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    route: str  # as the OpenAPI document names it
    build: Callable[[Context], list[Request]]


def address(index: int) -> str:
    """Person `index`'s own client address: production traffic comes from many."""
    return f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"


def _reads(path: str) -> Callable[[Context], list[Request]]:
    def build(context: Context) -> list[Request]:
        return [
            Request("GET", path, address(i), context.tokens[m.user_id])
            for i, m in enumerate(context.members)
        ]

    return build


def _answer(context: Context) -> list[Request]:
    # Each person's two answers come a whole round apart: every PUT changes the answer.
    return [
        Request(
            "PUT",
            f"/v1/assignments/{member.extra_id}/answer",
            address(i),
            context.tokens[member.user_id],
            JSON,
            json.dumps({"content": member.answers[variant]}),
        )
        for variant in (0, 1)
        for i, member in enumerate(context.members)
    ]


def _login(context: Context) -> list[Request]:
    return [
        Request(
            "POST",
            "/v1/auth/token",
            address(i),
            None,
            "application/x-www-form-urlencoded",
            urllib.parse.urlencode({"username": member.email, "password": PASSWORD}),
        )
        for i, member in enumerate(context.members)
    ]


SYNC_SAMPLE = 400


def _today_unchanged(context: Context) -> list[Request]:
    """A phone polling today with the tag it has: a 304 each time."""
    requests = []
    for i, member in enumerate(context.members[:SYNC_SAMPLE]):
        token = context.tokens[member.user_id]
        headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": address(i)}
        url = f"{context.base_url}/v1/today"
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as r:
            etag = r.headers["ETag"]
        requests.append(Request("GET", "/v1/today", address(i), token, if_none_match=etag))
    return requests


def _sync_fresh(cohort: str) -> Callable[[Context], list[Request]]:
    """Pulls with nothing new, from people of `cohort`: each with the cursor at the end of
    their change stream."""

    def build(context: Context) -> list[Request]:
        requests: list[Request] = []
        for i, member in enumerate(context.members):
            if member.cohort != cohort or len(requests) == SYNC_SAMPLE:
                continue
            token = context.tokens[member.user_id]
            cursor = pull_to_end(context.base_url, token, address(i), _guess(member))
            query = urllib.parse.urlencode({"cursor": cursor})
            requests.append(Request("GET", f"/v1/sync?{query}", address(i), token))
        return requests

    return build


def _guess(member: Member) -> str:
    """Where the seed left the person's stream: a cursor as the API makes them. Only a head
    start: pull_to_end checks it and pulls what came after it (or, if the format changed
    and the API answers `reset`, everything)."""
    return encode_cursor([member.space, member.changes])


def pull_to_end(base_url: str, token: str, address: str, cursor: str) -> str:
    while True:
        query = urllib.parse.urlencode({"cursor": cursor, "limit": 500})
        page = get_json(f"{base_url}/v1/sync?{query}", token, address)
        cursor = str(page["cursor"])
        if not page["has_more"]:
            return cursor


def get_json(url: str, token: str, address: str) -> Any:
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": address}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as r:
        return json.load(r)


SCENARIOS = (
    Scenario("today", "get", "/v1/today", _reads("/v1/today")),
    Scenario(NOT_MODIFIED, "get", "/v1/today", _today_unchanged),
    Scenario("me", "get", "/v1/me", _reads("/v1/me")),
    Scenario("sync", "get", "/v1/sync", _sync_fresh("couple")),
    Scenario(SYNC_FEW, "get", "/v1/sync", _sync_fresh("new-couple")),
    Scenario(SYNC_MANY, "get", "/v1/sync", _sync_fresh("veteran-couple")),
    Scenario("answer", "put", "/v1/assignments/{assignment_id}/answer", _answer),
    Scenario("login", "post", "/v1/auth/token", _login),
)
ME, LOGIN = SCENARIOS[1], SCENARIOS[-1]


def served_routes(base_url: str) -> set[tuple[str, str]]:
    with urllib.request.urlopen(f"{base_url}/openapi.json", timeout=30) as response:
        document = json.load(response)
    return {(method, path) for path, item in document["paths"].items() for method in item}
