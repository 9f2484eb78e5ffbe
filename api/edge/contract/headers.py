"""Response headers a client reads, the Idempotency-Key parameter, security and servers.

A header the server sends and the document leaves out is one no generated client exposes
(the ETag that If-Match needs, above all): tests/security/test_fuzz.py fails on any.
"""

from typing import Any

HEADERS = "#/components/headers/"
IDEMPOTENCY_KEY = "#/components/parameters/IdempotencyKey"

RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "RateLimit-Limit": {
        "description": "Requests allowed in the current window of the tightest quota.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "RateLimit-Remaining": {
        "description": "Requests left in that window.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "RateLimit-Reset": {
        "description": "Seconds until that window resets.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "WWW-Authenticate": {
        "description": '`Bearer`, or `Bearer error="invalid_token"` for an expired or revoked '
        "token (refresh it, or sign in again).",
        "schema": {"type": "string"},
    },
    "ETag": {
        "description": 'On the hot reads a weak tag of what you see (`W/"3.<digest>"`): send '
        "it in `If-None-Match` to get 304 while nothing changed. Its leading number, and the "
        "quoted version an answer's write sends (`\"3\"`), is your answer's version: send "
        "either back in `If-Match` to edit safely.",
        "schema": {"type": "string"},
    },
    "Content-Language": {
        "description": "The language the texts are in, negotiated from `Accept-Language`.",
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the remembered first response to an earlier "
        "request with the same `Idempotency-Key`: nothing new was created.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "X-Request-ID": {
        "description": "This request's id, as logged: quote it when reporting a problem.",
        "schema": {"type": "string"},
    },
}
EVERY_RESPONSE = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "X-Request-ID")
BY_STATUS = {"401": ("WWW-Authenticate",), "429": ("Retry-After",)}
# The operations that send the caller's answer version (api/routers/assignments.py).
# The hot reads send a weak tag for If-None-Match (api/edge/conditional.py); an answer's write, its
# version for If-Match.
ETAG_OPERATIONS = {
    "assignment_today",
    "assignment_get",
    "assignment_put_answer",
    "sync_pull",
    "me_get",
    "couple_get",
}
# Content served in English whatever is asked (journeys are not translated), so said.
ENGLISH_ONLY_OPERATIONS = {"journey_list", "journey_get"}

IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string (a UUID) per intended creation: a retry with the same "
    "key and body returns the first response and creates nothing new; the same key with a "
    "different body is 422.",
    "schema": {"type": "string", "maxLength": 255},
}
# Signing up comes before there is anyone to remember a key for.
CREATES_WITHOUT_KEY = {"auth_register"}

SERVERS = [
    # First, so /docs (and any client that does not choose) calls the server it was served by.
    {
        "url": "/",
        "description": "Local or production: the server this document was read from.",
        "x-internal": False,
    },
    {
        "url": "https://{host}",
        "description": "Production: your Attune deployment, behind TLS.",
        "variables": {
            "host": {"default": "localhost:8443", "description": "Where the API is served."}
        },
        "x-internal": False,
    },
]


def operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (method, operation)
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in {"get", "put", "post", "patch", "delete"}
    ]


def declare_headers(document: dict[str, Any]) -> None:
    document["components"]["headers"] = RESPONSE_HEADERS
    document["components"].setdefault("parameters", {})["IdempotencyKey"] = IDEMPOTENCY_PARAMETER
    for method, operation in operations(document):
        creates = (
            method == "post"
            and "201" in operation["responses"]
            and operation["operationId"] not in CREATES_WITHOUT_KEY
        )
        negotiated = operation["operationId"] in ENGLISH_ONLY_OPERATIONS or any(
            p.get("name") == "accept-language" for p in operation.get("parameters", [])
        )
        for status, response in operation["responses"].items():
            names = [*EVERY_RESPONSE, *BY_STATUS.get(status, ())]
            if status[0] in "23" and operation["operationId"] in ETAG_OPERATIONS:
                names.append("ETag")
            if status[0] == "2" and negotiated:
                names.append("Content-Language")
            if status[0] == "2" and creates:
                names.append("Idempotent-Replayed")
            response["headers"] = {name: {"$ref": HEADERS + name} for name in names}
        _declare_idempotency_key(operation, creates)


def _declare_idempotency_key(operation: dict[str, Any], creates: bool) -> None:
    """On every POST that creates something: one parameter, declared once for all."""
    parameters = [
        p for p in operation.get("parameters", []) if p.get("name", "").lower() != "idempotency-key"
    ]
    if creates:
        parameters.append({"$ref": IDEMPOTENCY_KEY})
    if parameters:
        operation["parameters"] = parameters


def declare_security_and_servers(document: dict[str, Any]) -> None:
    """Public operations say so (`security: []`), rather than inheriting nothing by silence.
    Scopes are listed on the OAuth2 requirement only: OpenAPI tools take scopes for OAuth2
    schemes alone, and an API token needs the same ones (the overview says so)."""
    document["servers"] = SERVERS
    schemes = document["components"]["securitySchemes"]
    for _, operation in operations(document):
        for requirement in operation.setdefault("security", []):
            for scheme in requirement:
                if schemes[scheme]["type"] != "oauth2":
                    requirement[scheme] = []
