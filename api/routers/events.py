"""/v1/events: Server-Sent Events that tell the caller when to pull."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header
from sse_starlette import EventSourceResponse, ServerSentEvent

from api.deps import Caller, RuntimeDep, Scoped
from api.errors import problem_responses
from api.realtime import ChangeFeed, Subscription
from api.security.scopes import Scope
from api.services import changes, sync

router = APIRouter(prefix="/v1/events", tags=["event"], responses=problem_responses(401, 403, 429))


@router.get(
    "",
    summary="A stream of change events",
    description=(
        "Server-Sent Events (`text/event-stream`): an event `change` whenever your couple's "
        "data changes, whose `id` is the newest seq: a hint to `GET /v1/sync`, never the "
        "data. With `Last-Event-ID` behind the newest seq (or none), one comes at once. "
        "Comments (`: ping`) keep proxies from closing the stream."
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
    seen = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
    return EventSourceResponse(
        _events(feed, subscription, head if seen != head else None),
        ping=runtime.settings.events_ping_seconds,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _head(runtime: RuntimeDep, space: str) -> int:
    with runtime.database.snapshot() as db:
        return sync.head_of(db, space)


async def _events(
    feed: ChangeFeed, subscription: Subscription, first: int | None
) -> AsyncIterator[ServerSentEvent]:
    try:
        if first is not None:
            yield _change(first)
        while True:
            yield _change(await subscription.heads.get())
    finally:
        feed.unsubscribe(subscription)


def _change(head: int) -> ServerSentEvent:
    return ServerSentEvent(event="change", id=str(head), data=f'{{"head": {head}}}')
