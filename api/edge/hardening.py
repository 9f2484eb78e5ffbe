"""Request hardening (OWASP API4, API8): a body size limit, no NUL characters, security
headers on every response, and CORS only for the origins the settings allow."""

import base64
import email.message
import hashlib
import re

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from python_multipart.multipart import parse_options_header
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.kernel.config import Settings
from api.kernel.errors import http_problem, problem_response

# JSON is never rendered as a page: it may load nothing and be framed by nobody (OWASP's
# REST Security Cheat Sheet). Pages that need more (/docs, /redoc) send their own policy.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"

_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", API_POLICY.encode()),
)

# Inline scripts are allowed by their hash, so a script injected into a page still cannot run.
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)

# What a browser app may send and read across origins; everything else stays same-origin.
CORS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "Accept-Language",
    "Idempotency-Key",
    "If-Match",
    "Last-Event-ID",
    "X-Request-ID",
]
CORS_RESPONSE_HEADERS = [
    "ETag",
    "Location",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Retry-After",
    "WWW-Authenticate",
    "X-Request-ID",
]


def docs_page_policy(html: bytes) -> str:
    """The policy for a documentation page: its scripts and styles from this server, its
    own inline scripts by hash, and what Swagger UI and ReDoc do once running."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'self' {hashes}".strip(),
            # Both UIs set style attributes and insert <style> elements while they run.
            "style-src 'self' 'unsafe-inline'",
            # Swagger UI's icons are data: URIs in its stylesheet.
            "img-src 'self' data:",
            # The OpenAPI document, and the requests "Try it out" sends.
            "connect-src 'self'",
            # ReDoc builds its search worker from a blob.
            "worker-src blob:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """Adds the security headers to every response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in _SECURITY_HEADERS if header[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class DeclaredBodyLimit:
    """Refuses a body whose Content-Length is over the limit before anything runs.

    Starlette's limiter (installed inside this one) counts bodies sent without a length, as
    they are read; its 413 goes through the problem handler. A declared length it answers in
    plain text, so that case is caught here first and answered as problem+json.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._declared_too_large(scope["headers"]):
            await http_problem(413)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _declared_too_large(self, headers: list[tuple[bytes, bytes]]) -> bool:
        # The raw headers, not a Headers built for it: this runs for every request. Servers
        # send names in lower case (ASGI), and a second Content-Length is refused by them.
        for name, value in headers:
            if name == b"content-length":
                # bytes.isdigit() is ASCII digits only ("²" would be a digit to a str's).
                return value.isdigit() and int(value) > self.max_bytes
        return False


class RefuseNul:
    """Refuses a request with a NUL character in its path, query or body (422) before
    anything reads it. PostgreSQL text cannot hold one, so it would fail deep in a query
    there (a 500), and no text of the product needs one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or _has_nul(scope["query_string"], _ENCODED_NUL):
            await _nul_problem("path" if "\x00" in scope["path"] else "query")(scope, receive, send)
            return
        pattern = _nul_spelling(Headers(scope=scope).get("content-type", ""))
        if pattern is None:
            await self.app(scope, receive, send)
            return
        try:
            body = await _read_body(receive)
        except StarletteHTTPException as exc:  # the body limit, inside this, counts as it reads
            await http_problem(exc.status_code)(scope, receive, send)
            return
        if _has_nul(body, pattern):
            await _nul_problem("body")(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


# NUL as each body type spells it: JSON's escape after an even number of backslashes (an odd
# one escapes a backslash instead), a form's percent-encoding; multipart parts hold it raw.
_ENCODED_NUL = re.compile(rb"%00")
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_RAW_NUL = re.compile(rb"\x00")


def _nul_spelling(content_type: str) -> re.Pattern[bytes] | None:
    """How a NUL is spelled in a body of this type, or None for a body the framework never
    parses. The type is read as each parser reads it, since the check must see every body
    that gets parsed: FastAPI takes `application/json` and every `application/*+json`, in
    any case and with parameters; Starlette's forms go by python-multipart's reading."""
    if not content_type:
        return None  # no body to parse (a GET): the common case, spared the parsing below
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() == "application":
        subtype = message.get_content_subtype()
        if subtype == "json" or subtype.endswith("+json"):
            return _JSON_NUL
    media_type, _ = parse_options_header(content_type)
    if media_type == b"application/x-www-form-urlencoded":
        return _ENCODED_NUL
    if media_type == b"multipart/form-data":
        return _RAW_NUL
    return None


def _has_nul(raw: bytes, encoded: re.Pattern[bytes]) -> bool:
    return b"\x00" in raw or encoded.search(raw) is not None


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body", False):
            return b"".join(chunks)


def _nul_problem(where: str) -> JSONResponse:
    return problem_response(
        422,
        "Unprocessable content",
        "validation",
        "NUL characters are accepted nowhere in a request.",
        extra={"errors": [{"loc": [where], "msg": "contains a NUL character"}]},
    )


def install_hardening(app: FastAPI, settings: Settings) -> None:
    """Middleware, innermost first: NUL refusal, the body limit, CORS, then the security
    headers, so that a 413 and a CORS preflight answer also carry them."""
    app.add_middleware(RefuseNul)
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=settings.max_body_bytes)
    app.add_middleware(DeclaredBodyLimit, max_bytes=settings.max_body_bytes)
    # No origins configured: no CORS headers at all, and browsers keep other sites out.
    if settings.cors_origins:
        # Credentials stay off: the API authenticates with bearer tokens, never cookies.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_RESPONSE_HEADERS,
            max_age=600,
        )
    app.add_middleware(SecurityHeaders)
