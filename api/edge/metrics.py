"""Prometheus metrics at /metrics: requests and their latency by method, route and status.

With several uvicorn workers each process counts only the requests it served, and a scrape
reaches one of them. When PROMETHEUS_MULTIPROC_DIR is set (before the processes start, to
an empty directory), prometheus_client keeps the counts in files there and /metrics adds up
every worker's; otherwise the process's own registry is served.
"""

import os
import time

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.edge.observability import route_template

LABELS = ("method", "route", "status")
# Edges at the latency gates (p95 < 200 ms, p99 < 400 ms) so they read straight off the buckets.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4)
# Any other method a client invents is counted as "other" rather than minting a time series.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "http_requests", "HTTP requests answered.", LABELS, registry=registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from receiving a request to the end of its answer.",
            LABELS,
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )

        # Each label set's two series, looked up once: `labels()` takes a lock and builds a
        # key on every call, a cost every request paid twice (bench/RESULTS.md).
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        # Keyed as labelled: an invented method is "other", so it cannot grow the dict.
        key = (method if method in KNOWN_METHODS else "other", route, status)
        found = self._series.get(key)
        if found is None:
            labels = (key[0], route, str(status))
            found = self._series[key] = (
                self.requests.labels(*labels),
                self.latency.labels(*labels),
            )
        requests, latency = found
        requests.inc()
        latency.observe(seconds)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            # The route is known only once routing ran: read it after the app answered.
            elapsed = time.perf_counter() - started
            self.metrics.observe(scope["method"], route_template(scope), status, elapsed)


def _scraped_registry(own: CollectorRegistry) -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return own
    # prometheus_client requires a fresh registry for collecting the workers' files.
    merged = CollectorRegistry()
    MultiProcessCollector(merged)  # type: ignore[no-untyped-call]  # unannotated upstream
    return merged


def install_metrics(app: FastAPI) -> None:
    # One registry per app, not the global one: the tests build many apps in one process.
    registry = CollectorRegistry()
    app.add_middleware(MetricsMiddleware, metrics=RequestMetrics(registry))

    def metrics(request: Request) -> Response:
        encode, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encode(_scraped_registry(registry)), media_type=content_type)

    # The tag names the operation id, even for a route kept out of the OpenAPI document.
    app.add_api_route(
        "/metrics", metrics, methods=["GET"], tags=["health"], include_in_schema=False
    )
