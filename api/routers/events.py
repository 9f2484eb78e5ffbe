"""/v1/events: Server-Sent Events that tell the caller when to pull."""

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

import anyio
from fastapi import APIRouter, Header
from sse_starlette import EventSourceResponse, ServerSentEvent

from api.deps import Caller, RuntimeDep, Scoped
from api.kernel import changes
from api.kernel.errors import problem_responses
from api.kernel.realtime import RESYNC, ChangeFeed, Subscription
from api.security.scopes import Scope
from api.services.sync import pulls

router = APIRouter(prefix="/v1/events", tags=["event"], responses=problem_responses(401, 403, 429))


@router.get(
    "",
    summary="A stream of change events",
    description=(
        "Server-Sent Events (`text/event-stream`): an event `change` whenever your couple's "
        "data changes, whose `id` is the newest seq: a hint to `GET /v1/sync`, never the "
        "data. With `Last-Event-ID` behind the newest seq (or none), one comes at once. "
        "A `Last-Event-ID` that is not one of ours (ASCII digits) is ignored, as if none "
        "were sent. Comments (`: ping`) keep proxies from closing the stream. When the server "
        "shuts down, the stream ends with a `retry:` field: reconnect after that many "
        "milliseconds (another server answers), with `Last-Event-ID`."
    ),
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "The event stream."},
        **problem_responses(401),
    },
)
async def stream(
    caller: Annotated[Caller, Scoped(Scope.answers_read)],
    runtime: RuntimeDep,
    last_event_id: Annotated[str | None, Header(max_length=32)] = None,
) -> EventSourceResponse:
    space = changes.space_of(caller.user)
    feed = runtime.database.feed
    # Subscribe before reading the head: a change in between is then never missed.
    loop = asyncio.get_running_loop()
    subscription = await asyncio.to_thread(feed.subscribe, space, loop)
    head = await asyncio.to_thread(_head, runtime, space)
    seen = _event_id(last_event_id)
    # Set by sse-starlette when uvicorn is told to exit: the stream says goodbye and ends
    # instead of being cut when the shutdown's grace period runs out.
    shutdown = anyio.Event()
    return EventSourceResponse(
        _events(
            feed,
            subscription,
            head=head,
            seen=seen,
            look_up=lambda: asyncio.to_thread(_head, runtime, space),
            shutdown=shutdown,
        ),
        ping=runtime.settings.events_ping_seconds,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        shutdown_event=shutdown,
        shutdown_grace_period=1,
    )


def _event_id(header: str | None) -> int | None:
    """The seq a client last saw, or None for anything that is not an id of ours: ASCII digits
    only, as "²" is a digit to str.isdigit() but not to int()."""
    if header is None or not (header.isascii() and header.isdigit()):
        return None
    return int(header)


def _head(runtime: RuntimeDep, space: str) -> int:
    with runtime.database.snapshot() as db:
        return pulls.head_of(db, space)


async def _events(
    feed: ChangeFeed,
    subscription: Subscription,
    *,
    head: int,
    seen: int | None,
    look_up: Callable[[], Awaitable[int]],
    shutdown: anyio.Event,
) -> AsyncIterator[ServerSentEvent]:
    try:
        if seen != head:
            yield _change(head)
        while (poked := await _next_poke(subscription, shutdown)) is not None:
            # RESYNC: pokes may have been lost while the feed reconnected.
            latest = await look_up() if poked == RESYNC else poked
            if latest > head:  # pokes may arrive out of order: never step back
                head = latest
                yield _change(head)
        yield _goodbye()
    finally:
        feed.unsubscribe(subscription)


async def _next_poke(subscription: Subscription, shutdown: anyio.Event) -> int | None:
    """The next head offered to the stream, or None once the server shuts down."""
    if shutdown.is_set():
        return None
    poke = asyncio.ensure_future(subscription.heads.get())
    stop = asyncio.ensure_future(shutdown.wait())
    try:
        await asyncio.wait({poke, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        if not poke.done():
            poke.cancel()
    return poke.result() if poke.done() and not poke.cancelled() else None


def _goodbye() -> ServerSentEvent:
    # Spread over a few seconds, so the clients of a stopped server do not all come back in
    # the same instant.
    return ServerSentEvent(
        comment="the server is shutting down; reconnect", retry=random.randint(1000, 5000)
    )


def _change(head: int) -> ServerSentEvent:
    return ServerSentEvent(event="change", id=str(head), data=f'{{"head": {head}}}')
