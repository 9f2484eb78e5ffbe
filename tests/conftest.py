"""Fixtures: a migrated database per session with the shipped content, one app per session
that each test gets with a runtime of its own, a real SMTP server."""

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.content.cache import CatalogCache
from api.edge.runtime import Runtime
from api.kernel.db import migrate
from api.main import create_app
from tests.databases import ENGINE, fresh_database
from tests.mailbox import Mailbox, SmtpServer, free_port
from tests.support import (
    ContentRows,
    FrozenClock,
    close_kept_engine,
    content_rows,
    empty_tables,
    kept_engine,
    make_settings,
    reload_content,
    restore_content,
)


def pytest_report_header() -> str:
    return f"attune test database engine: {ENGINE}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        migrate(url)
        yield url
        close_kept_engine(url)


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp: SmtpServer) -> Mailbox:
    smtp.mailbox.messages.clear()
    return smtp.mailbox


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module or with @pytest.mark.parametrize to change settings."""
    return {}


class LiveServer:
    """An app served by a real uvicorn on loopback, on a thread."""

    def __init__(self, app: FastAPI) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=free_port(),
                log_config=None,
                lifespan="off",
                timeout_graceful_shutdown=1,
            )
        )
        self.url = f"http://127.0.0.1:{self.server.config.port}"
        self._thread = threading.Thread(target=self.server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the live server did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)


class SharedApps:
    """Apps kept for the session, one for each set of settings that tests use, each served by
    a live server once a test asks for one. FastAPI prepares a route for matching the first
    time a request meets it in an app, which cost a test that made its own app 0.1 to 0.2 s,
    and stopping a live server waited up to a second; what a test may change (settings,
    clock, database engines, caches, rate windows: the runtime) is made anew for each test
    by `app`. Only the last few sets are kept: some are made for one test (a port in them)."""

    KEPT = 4

    def __init__(self) -> None:
        self._apps: dict[str, FastAPI] = {}
        self._servers: dict[int, LiveServer] = {}

    def app(self, database_url: str, smtp_port: int, overrides: dict[str, Any]) -> FastAPI:
        key = repr((database_url, smtp_port, sorted(overrides.items())))
        app = self._apps.pop(key, None)
        if app is None:
            app = create_app(make_settings(database_url, smtp_port, **overrides))
        self._apps[key] = app  # the newest last
        if len(self._apps) > self.KEPT:
            self._close(self._apps.pop(next(iter(self._apps))))
        return app

    def holds(self, app: FastAPI) -> bool:
        return any(kept is app for kept in self._apps.values())

    def server(self, app: FastAPI) -> LiveServer:
        if id(app) not in self._servers:
            self._servers[id(app)] = LiveServer(app)
        return self._servers[id(app)]

    def close(self) -> None:
        for app in self._apps.values():
            self._close(app)

    def _close(self, app: FastAPI) -> None:
        server = self._servers.pop(id(app), None)
        if server is not None:
            server.stop()


@pytest.fixture(scope="session")
def _shared_apps() -> Iterator[SharedApps]:
    apps = SharedApps()
    yield apps
    apps.close()


@pytest.fixture(scope="session")
def _closing() -> Iterator[list[threading.Thread]]:
    """Runtimes of finished tests being closed: on PostgreSQL closing one waits up to 0.2 s
    for its NOTIFY listener to stop (api/kernel/realtime.py), so the next test runs meanwhile."""
    threads: list[threading.Thread] = []
    yield threads
    for thread in threads:
        thread.join()


class SharedCatalogs:
    """One catalog for every test's runtime, by its time to live: the content is the same
    from test to test (see `content`), and building it again cost each test 15 to 30 ms. A
    test that changes content invalidates it, as a content write does in a process."""

    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._catalogs: dict[float, CatalogCache] = {}

    def catalog(self, ttl_seconds: float) -> CatalogCache:
        if ttl_seconds not in self._catalogs:
            engine = kept_engine(self._database_url)
            self._catalogs[ttl_seconds] = CatalogCache(engine, ttl_seconds)
        return self._catalogs[ttl_seconds]

    def invalidate(self) -> None:
        for catalog in self._catalogs.values():
            catalog.invalidate()


@pytest.fixture(scope="session")
def _shared_catalogs(database_url: str) -> SharedCatalogs:
    return SharedCatalogs(database_url)


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    database_url: str,
    smtp: SmtpServer,
    clock: FrozenClock,
    settings_overrides: dict[str, Any],
    _closing: list[threading.Thread],
    _shared_catalogs: SharedCatalogs,
) -> Iterator[FastAPI]:
    """The app under test, on the session database emptied of all but the content after the
    test: one kept for its settings (`SharedApps`) with a runtime of its own, or for a test
    marked `own_app`, an app of its own."""
    settings = make_settings(database_url, smtp.port, **settings_overrides)
    shared = request.node.get_closest_marker("own_app") is None
    if shared:
        shared_apps: SharedApps = request.getfixturevalue("_shared_apps")
        application = shared_apps.app(database_url, smtp.port, settings_overrides)
        application.state.runtime = Runtime.from_settings(settings, clock)
    else:
        application = create_app(settings, clock)
    application.state.runtime.catalog = _shared_catalogs.catalog(settings.content_cache_seconds)
    shape = _shape(application)
    yield application
    runtime: Runtime = application.state.runtime
    for earlier in _closing:
        earlier.join()
    _closing[:] = [threading.Thread(target=runtime.close, name="closing-runtime")]
    _closing[0].start()
    empty_tables(database_url)
    assert not shared or _shape(application) == shape, "this test changes its app: mark it own_app"


def _shape(app: FastAPI) -> tuple[int, int, int]:
    """What a test could change in the shared app itself, which the next tests would meet."""
    return len(app.router.routes), len(app.user_middleware), len(app.dependency_overrides)


@pytest.fixture(scope="session")
def _shipped_content(database_url: str, _shared_catalogs: SharedCatalogs) -> ContentRows:
    reload_content(database_url)
    _shared_catalogs.invalidate()  # built by an earlier test, before there was any content
    return content_rows(database_url)


@pytest.fixture
def content(_shipped_content: ContentRows) -> None:
    """The shipped content, loaded once per session and kept between tests (loading the files
    costs over half a second). A test that changes content must use `mutable_content`."""


@pytest.fixture
def mutable_content(
    _shipped_content: ContentRows, database_url: str, _shared_catalogs: SharedCatalogs
) -> Iterator[None]:
    """The shipped content, for a test that changes it: put back afterwards, from the rows
    kept after the first load (a tenth of the cost of loading the files again)."""
    yield
    restore_content(database_url, _shipped_content)
    _shared_catalogs.invalidate()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def live_server(request: pytest.FixtureRequest, app: FastAPI) -> Iterator[str]:
    """The app served by a real uvicorn on loopback, for tests that need true concurrency."""
    shared_apps: SharedApps = request.getfixturevalue("_shared_apps")
    if shared_apps.holds(app):
        yield shared_apps.server(app).url
        return
    server = LiveServer(app)
    yield server.url
    server.stop()
