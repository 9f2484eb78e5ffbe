"""Hot reads answered from memory (SPEC.md §1, bench/RESULTS.md): the polls a phone makes most
(today, me, the couple, one assignment, sync at the head) are answered, when this process can,
before routing and FastAPI's request handling (`HotDoor`), with no database and no threadpool.

A hot route names its lane: given the caller, as this process knows them from memory
(`caller_in_memory`: a fresh session check, the heads the change feed told it), the lane
names what the caller would be sent (`Kept`: the digest of its ETag) without reading the
database. Then a tag the caller holds is a 304, a body this process kept under the digest is
served, or the lane renders one from memory; otherwise, and whenever the caller is not known
from memory, the route runs as usual. Quotas are counted once, by whichever path answers.

The route itself (its parameters, its checks, its OpenAPI) stays the one definition: a lane
only answers what the route would answer, from the same digest functions the route uses.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Send
from starlette.types import Scope as AsgiScope

from api.deps import Caller, caller_in_memory, count_quotas
from api.edge.conditional import TAG_HEADER_LIMIT, NotModified, Rendered, check_modified
from api.edge.runtime import Runtime
from api.security.scopes import Scope

_MARK = "_answered_from_memory"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Kept:
    """What a hot read would send its caller, named by its digest; `render` makes the body
    from memory when this process kept none under the digest."""

    digest: str
    headers: dict[str, str] = field(default_factory=dict)
    render: Callable[[], Rendered] | None = None


Lane = Callable[[Request, Caller, Runtime, datetime], Kept | None]


@dataclass(frozen=True)
class _Marked:
    scopes: frozenset[Scope]  # what the route's own `Scoped` asks for
    lane: Lane


def answered_from_memory(lane: Lane) -> Callable[[F], F]:
    """Marks a hot route's endpoint: `lane` may answer it from memory."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, _MARK, lane)
        return endpoint

    return mark


def _scopes_of(dependant: Dependant) -> frozenset[Scope]:
    """Every scope the route's dependencies ask for: read from the route, so a lane can never
    let through a caller the route would refuse."""
    found = {Scope(scope) for scope in dependant.own_oauth_scopes or ()}
    for part in dependant.dependencies:
        found |= _scopes_of(part)
    return frozenset(found)


class HotDoor:
    """ASGI: the hot routes' lanes, tried before routing. Routing, FastAPI's request wrapper
    and its exception middleware cost about a fifth of a read answered from memory
    (bench/RESULTS.md), and a lane needs none of them. Installed innermost, so every header,
    log line and metric the other middleware add still apply; whatever a lane does not answer
    goes on to the router and the route as usual."""

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        self._lanes = [
            (route, _Marked(_scopes_of(route.dependant), lane))
            for route in routes
            if isinstance(route, APIRoute)
            and (lane := getattr(route.endpoint, _MARK, None)) is not None
        ]

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            for route, marked in self._lanes:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    # The route and its path parameters, as routing would set them: the log
                    # line and the metrics name the route.
                    scope.update(child_scope)
                    response = await _answered(Request(scope, receive), marked)
                    if response is not None:
                        await response(scope, receive, send)
                        return
                    break
        await self.app(scope, receive, send)


async def _answered(request: Request, marked: _Marked) -> Response | None:
    runtime: Runtime = request.app.state.runtime
    try:
        # Counting quotas in Redis is a network trip: off the event loop, then.
        if runtime.limiter.counts_here:
            return _answer(request, runtime, marked)
        return await run_in_threadpool(_answer, request, runtime, marked)
    except Exception as error:
        # Answered as the route's own refusal would be (a 304, a 429): the app's handler.
        handlers: dict[Any, Callable[..., Any]] = request.app.exception_handlers
        for kind in type(error).__mro__:
            if kind in handlers:
                response: Response = await handlers[kind](request, error)
                return response
        raise


def _answer(request: Request, runtime: Runtime, marked: _Marked) -> Response | None:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and len(if_none_match) > TAG_HEADER_LIMIT:
        return None  # the route's to refuse
    now = runtime.clock.now()
    caller = caller_in_memory(request, runtime, now)
    if caller is None or not marked.scopes <= caller.scopes:
        return None
    kept = marked.lane(request, caller, runtime, now)
    if kept is None:
        return None
    try:
        check_modified(if_none_match, kept.digest, kept.headers)
    except NotModified:
        count_quotas(request, runtime, caller)
        raise
    rendered = runtime.rendered.get(kept.digest)
    if rendered is None and kept.render is None:
        return None
    count_quotas(request, runtime, caller)
    if rendered is None:
        assert kept.render is not None
        rendered = kept.render()
    return rendered.response()
