"""Lists: one `Page[T]` body, the `cursor` and `limit` parameters, and opaque cursors.

A cursor is the position of the last item served, encoded so clients cannot read or build
one; the next page starts after it, so a walk never repeats or skips an item even when
items are added in between.
"""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import Field

from api.errors import Unprocessable
from api.schemas.base import ResponseBody

T = TypeVar("T")
Item = TypeVar("Item")

DEFAULT_LIMIT = 20
Limit = Annotated[int, Query(ge=1, le=100, description="Items per page, 1 to 100.")]
Cursor = Annotated[
    str | None,
    Query(max_length=512, description="`next_cursor` of the previous page; leave out to start."),
]


class Page(ResponseBody, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


def encode_cursor(position: Sequence[str | int]) -> str:
    raw = json.dumps(list(position), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, shape: Sequence[type[str] | type[int]]) -> list[Any]:
    """The position in a cursor made by `encode_cursor`, of the given types; else a 422."""
    try:
        position: Any = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        position = None
    if not (
        isinstance(position, list)
        and len(position) == len(shape)
        and all(type(part) is kind for part, kind in zip(position, shape, strict=True))
        # Forged, since no cursor of ours holds one (and PostgreSQL text cannot).
        and not any(isinstance(part, str) and "\x00" in part for part in position)
    ):
        raise Unprocessable("The cursor is not one this list handed out.", loc=["query", "cursor"])
    return position


def page_after(
    items: Sequence[Item], key: Callable[[Item], str], cursor: str | None, limit: int
) -> tuple[list[Item], str | None]:
    """A page of `items` (sorted by `key`, unique) after the cursor's, and the next cursor."""
    after = decode_cursor(cursor, (str,))[0] if cursor is not None else None
    rest = [item for item in items if after is None or key(item) > after]
    page = rest[:limit]
    next_cursor = encode_cursor([key(page[-1])]) if len(rest) > limit else None
    return page, next_cursor
