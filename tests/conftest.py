"""Fixtures: a migrated database per session, a fresh app per test, a real SMTP server."""

import threading
import time
from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import Session

from api.config import Settings
from api.content.loader import load_content
from api.db import migrate
from api.main import create_app
from api.models import metadata
from api.models.content import CONTENT_TABLES
from tests.databases import ENGINE, fresh_database
from tests.mailbox import Mailbox, SmtpServer, free_port
from tests.support import FrozenClock


def pytest_report_header() -> str:
    return f"attune test database engine: {ENGINE}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        migrate(url)
        yield url


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


def make_settings(database_url: str, smtp_port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "database_url": database_url,
        "mail_backend": "smtp",
        "smtp_port": smtp_port,
        # Cheap Argon2 so the suite stays fast; production parameters are tested on their own.
        "argon2_memory_kib": 1024,
        "argon2_time_cost": 1,
        "db_pool_size": 10,
        "jwt_keys": {"test-1": "t" * 40},
        # A test makes hundreds of requests a minute from one address; the general quotas are
        # tested on their own (tests/security/test_rate_limits.py).
        "api_limit_per_address": "100000/minute",
        "api_limit_per_credential": "100000/minute",
    }
    values.update(overrides)
    return Settings.model_validate(values)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module or with @pytest.mark.parametrize to change settings."""
    return {}


@pytest.fixture
def app(
    database_url: str,
    smtp: SmtpServer,
    clock: FrozenClock,
    settings_overrides: dict[str, Any],
) -> Iterator[FastAPI]:
    application = create_app(make_settings(database_url, smtp.port, **settings_overrides), clock)
    yield application
    application.state.runtime.database.dispose()
    _empty_tables(database_url)


def _empty_tables(database_url: str, names: Collection[str] | None = None) -> None:
    """Empty the named tables; by default every table but the content, which is kept (see
    `content`)."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table.name in (names or metadata.tables.keys() - CONTENT_TABLES):
                connection.execute(text(f'DELETE FROM "{table.name}"'))
    engine.dispose()


def reload_content(database_url: str) -> None:
    """The session database's content, back to exactly the shipped files."""
    _empty_tables(database_url, CONTENT_TABLES)
    engine = create_engine(database_url)
    with Session(engine) as db:
        load_content(db, datetime.now(UTC))
        db.commit()
    engine.dispose()


@pytest.fixture(scope="session")
def _shipped_content(database_url: str) -> None:
    reload_content(database_url)


@pytest.fixture
def content(_shipped_content: None) -> None:
    """The shipped content, loaded once per session and kept between tests (loading it for
    every test would cost a tenth of a second each). A test that changes content must use
    `mutable_content` instead."""


@pytest.fixture
def mutable_content(content: None, database_url: str) -> Iterator[None]:
    """The shipped content, for a test that changes it: put back afterwards."""
    yield
    reload_content(database_url)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The app served by a real uvicorn on loopback, for tests that need true concurrency."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=free_port(),
            log_config=None,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the live server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(timeout=10)
