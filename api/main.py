"""The application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.edge.conditional import install_conditional
from api.edge.contract import finish
from api.edge.docs import install_docs
from api.edge.hardening import install_hardening
from api.edge.hot_reads import HotDoor
from api.edge.idempotency import install_idempotency
from api.edge.metrics import install_metrics
from api.edge.observability import RequestLogMiddleware, configure_logging
from api.edge.openapi import DESCRIPTION, TAGS, problem_media_types
from api.edge.runtime import Runtime
from api.kernel.clock import Clock
from api.kernel.config import Settings, get_settings
from api.kernel.db import Migrations, install_unavailable_handlers, request_threads
from api.kernel.errors import install_error_handlers
from api.routers import (
    answers,
    appreciations,
    assignments,
    auth,
    checkins,
    couple,
    devices,
    events,
    exercises,
    health,
    journeys,
    me,
    pulse,
    sync,
    themes,
    tokens,
)
from api.security.rate_limit import RateLimitHeaders


def operation_id(route: APIRoute) -> str:
    """`tag_name`, e.g. `auth_register`: short, stable method names in generated clients."""
    return f"{route.tags[0]}_{route.name}"


class NoStoreByDefault:
    """Personal data must never sit in a shared cache: `no-store` unless a route says otherwise."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, receive, send_no_store)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or get_settings()
    runtime = Runtime.from_settings(settings, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync endpoints and every database trip run on this event loop's threadpool.
        to_thread.current_default_thread_limiter().total_tokens = request_threads(settings)
        yield
        runtime.close()

    app = FastAPI(
        title="Attune API",
        version="1.0.0",
        contact={"name": "The Attune API team"},
        description=DESCRIPTION,
        openapi_tags=TAGS,
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
        # Served by api/edge/docs.py from local assets instead of a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.migrations = Migrations()
    install_error_handlers(app)
    install_unavailable_handlers(app)
    install_conditional(app)
    install_idempotency(app)
    # The busiest routes first: a request is matched against the routes in this order (and
    # /v1/today was the 40th tried). The documentation groups them by tag whatever the order.
    routers = (
        health.router,
        assignments.router,
        sync.router,
        me.router,
        answers.router,
        checkins.router,
        appreciations.router,
        pulse.router,
        couple.router,
        themes.router,
        exercises.router,
        journeys.router,
        events.router,
        devices.router,
        tokens.router,
        auth.router,
    )
    for router in routers:
        app.include_router(router)
    install_docs(app)
    app.add_middleware(HotDoor, routes=[route for router in routers for route in router.routes])
    app.add_middleware(NoStoreByDefault)
    app.add_middleware(RateLimitHeaders)
    install_hardening(app, settings)
    install_metrics(app)
    app.add_middleware(RequestLogMiddleware)
    _install_openapi(app)
    return app


def _install_openapi(app: FastAPI) -> None:
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = finish(problem_media_types(default_openapi()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_served_app() -> FastAPI:
    """Entry point for uvicorn workers (`api.main:create_served_app`, factory mode)."""
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)
