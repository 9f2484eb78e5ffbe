"""Conditional hot reads (SPEC.md §1): each sends an ETag, and `If-None-Match` with it is a 304.

A tag names what the caller would see without rendering it: a keyed digest of the viewer, the
heads of their change streams (bumped by every synced write, api/kernel/changes.py) and
whatever else the body depends on (the language, the couple's local day...), so a 304 costs
the session check and nothing more. Keyed with a secret of the deployment: the same in every
process, and no one can forge the tag of an assignment they may not see to probe for its id.
Tags are weak: equal tags promise an equal body, not equal bytes across releases.

That promise also lets a process keep what it rendered (`RenderedReads`): a body under its
tag's digest is served again to the next read with the same digest, without the database or
a render. The viewer is in every digest, so a kept body is only ever its own viewer's; a
write moves a head and with it the digest, and a body read after the heads is at least as
new as they are, so no later read (whose heads are newer still) can find a stale one.
"""

import base64
import hashlib
import re
import threading
from dataclasses import dataclass
from typing import Annotated, Any

from cachetools import LRUCache
from fastapi import FastAPI, Header, Request, Response, status

_TAG = re.compile(r'(?:W/)?"([^"]*)"')
# The longest `If-None-Match` a conditional read takes (a longer one is a 422).
TAG_HEADER_LIMIT = 512

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
        max_length=TAG_HEADER_LIMIT,
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


@dataclass(frozen=True)
class Rendered:
    """A conditional read's JSON body, rendered once, with its ETag and other headers."""

    body: bytes
    headers: dict[str, str]

    def response(self) -> Response:
        return Response(self.body, media_type="application/json", headers=self.headers)


class RenderedReads:
    """The bodies this process rendered, by digest; the least recently used go first."""

    def __init__(self, capacity: int) -> None:
        self._kept: LRUCache[str, Rendered] = LRUCache(maxsize=capacity)
        self._lock = threading.Lock()  # misses are rendered, and kept, in the threadpool

    def get(self, digest: str) -> Rendered | None:
        with self._lock:
            return self._kept.get(digest)

    def keep(self, digest: str, rendered: Rendered) -> Rendered:
        with self._lock:
            self._kept[digest] = rendered
        return rendered


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


def kept_or_not_modified(
    rendered: RenderedReads,
    if_none_match: str | None,
    digest: str,
    headers: dict[str, str] | None = None,
) -> Response | None:
    """The start of every conditional read: a 304 when the caller's tag still holds, else the
    body kept under `digest` if this process has one, else None (render it, then `keep`)."""
    check_modified(if_none_match, digest, headers)
    kept = rendered.get(digest)
    return None if kept is None else kept.response()


async def _not_modified(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotModified)
    headers = {"ETag": exc.etag, **exc.headers}
    return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)


def install_conditional(app: FastAPI) -> None:
    app.add_exception_handler(NotModified, _not_modified)
