"""Lists: one `Page[T]` body, the `cursor` and `limit` parameters, and opaque cursors.

A cursor is the position of the last item served, encoded so clients cannot read or build
one; the next page starts after it, so a walk never repeats or skips an item even when
items are added in between.
"""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import Field

from api.kernel.errors import Unprocessable
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


# `date` takes `datetime` too, its subclass.
CursorPart = type[str] | type[int] | type[date]


def decode_cursor(cursor: str, shape: Sequence[CursorPart]) -> list[Any]:
    """The position in a cursor made by `encode_cursor`, of the given types; else a 422.

    Dates and datetimes travel as their isoformat(), datetimes in UTC; anything else in their
    place (a datetime without zone, another offset, another spelling) is forged, as is text
    that PostgreSQL could not hold or that is not Unicode at all (a lone surrogate).
    """
    try:
        position: Any = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(position, list) or len(position) != len(shape):
            raise ValueError
        return [_cursor_part(part, kind) for part, kind in zip(position, shape, strict=True)]
    except (binascii.Error, ValueError) as exc:
        raise Unprocessable(
            "The cursor is not one this list handed out.", loc=["query", "cursor"]
        ) from exc


def _cursor_part(part: Any, kind: CursorPart) -> Any:
    if kind is int:
        if type(part) is not int:
            raise ValueError
        return part
    if type(part) is not str or "\x00" in part:
        raise ValueError
    part.encode()  # UnicodeEncodeError, a ValueError, on a lone surrogate
    if kind is str:
        return part
    parsed = datetime.fromisoformat(part) if kind is datetime else date.fromisoformat(part)
    if parsed.isoformat() != part:
        raise ValueError
    if isinstance(parsed, datetime) and parsed.utcoffset() != timedelta(0):
        raise ValueError
    return parsed


def keyset_page(
    cursor: str | None,
    shape: Sequence[CursorPart],
    fetch: Callable[[tuple[Any, ...] | None, int], list[Item]],
    position: Callable[[Item], Sequence[str | int]],
    limit: int,
) -> tuple[list[Item], str | None]:
    """A page from the database: `fetch(after, n)` reads up to n items after the cursor's
    position (decoded to `shape`), one more than the page to know whether another follows."""
    after = tuple(decode_cursor(cursor, shape)) if cursor is not None else None
    found = fetch(after, limit + 1)
    page = found[:limit]
    return page, encode_cursor(position(page[-1])) if len(found) > limit else None


def page_after(
    items: Sequence[Item], key: Callable[[Item], str], cursor: str | None, limit: int
) -> tuple[list[Item], str | None]:
    """A page of `items` (sorted by `key`, unique) after the cursor's, and the next cursor."""

    def rest(after: tuple[Any, ...] | None, count: int) -> list[Item]:
        return [item for item in items if after is None or key(item) > after[0]][:count]

    return keyset_page(cursor, (str,), rest, lambda item: [key(item)], limit)
