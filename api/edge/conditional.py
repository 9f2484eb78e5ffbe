"""Conditional hot reads (SPEC.md §1): each sends an ETag, and `If-None-Match` with it is a 304.

A tag names what the caller would see without rendering it: a keyed digest of the viewer, the
heads of their change streams (bumped by every synced write, api/kernel/changes.py) and
whatever else the body depends on (the language, the couple's local day...), so a 304 costs
the session check and nothing more. Keyed with a secret of the deployment: the same in every
process, and no one can forge the tag of an assignment they may not see to probe for its id.
Tags are weak: equal tags promise an equal body, not equal bytes across releases.
"""

import base64
import hashlib
import re
from typing import Annotated, Any

from fastapi import FastAPI, Header, Request, Response, status

_TAG = re.compile(r'(?:W/)?"([^"]*)"')

ETAG_HEADER = {
    "ETag": {
        "description": "Names what you were sent; send it back as `If-None-Match` to get a "
        "304 while nothing you would see has changed.",
        "schema": {"type": "string"},
    }
}
IfNoneMatch = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        max_length=512,
        description="An `ETag` this route sent you: 304 with no body while it still holds.",
    ),
]


def conditional_responses() -> dict[int | str, dict[str, Any]]:
    """The OpenAPI declaration of a conditional read's ETag and 304."""
    return {
        200: {"headers": ETAG_HEADER},
        304: {
            "description": "Nothing you would see has changed since the `ETag` you sent in "
            "`If-None-Match`: no body, the same `ETag`.",
            "headers": ETAG_HEADER,
        },
    }


class ETags:
    def __init__(self, signing_key: str) -> None:
        self._key = hashlib.sha256(b"attune-etag:" + signing_key.encode()).digest()

    def digest(self, *parts: object) -> str:
        text = "\x1f".join(str(part) for part in parts)
        hashed = hashlib.blake2b(text.encode(), key=self._key, digest_size=12).digest()
        return base64.urlsafe_b64encode(hashed).decode()


def tag(digest: str, version: int | None = None) -> str:
    """`W/"<digest>"`, or `W/"<version>.<digest>"` for a route whose tag also carries the
    caller's answer version for `If-Match`."""
    return f'W/"{digest}"' if version is None else f'W/"{version}.{digest}"'


class NotModified(Exception):
    """Answered as a 304 with `etag`, before anything is rendered."""

    def __init__(self, etag: str, headers: dict[str, str] | None) -> None:
        super().__init__(etag)
        self.etag, self.headers = etag, headers or {}


def check_modified(
    if_none_match: str | None, digest: str, headers: dict[str, str] | None = None
) -> None:
    """Raise NotModified when `If-None-Match` holds a tag that `digest` still stands for
    (weak comparison: the answer version a tag may carry is not part of it). `*` is not
    honoured: a client that has no tag gets the body."""
    for opaque in _TAG.findall(if_none_match or ""):
        if opaque.rpartition(".")[2] == digest:
            raise NotModified(f'W/"{opaque}"', headers)


async def _not_modified(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotModified)
    headers = {"ETag": exc.etag, **exc.headers}
    return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)


def install_conditional(app: FastAPI) -> None:
    app.add_exception_handler(NotModified, _not_modified)
