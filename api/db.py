"""Engines for SQLite and PostgreSQL, the per-request session, migrations, and what a client
is told while the database is away."""

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from psycopg import errors as pg_errors
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel
from starlette.concurrency import run_in_threadpool

from api.config import Settings
from api.errors import ServiceUnavailable, problem_response
from api.realtime import ChangeFeed

log = logging.getLogger("api.db")

ALEMBIC_DIR = Path(__file__).resolve().parent.parent / "alembic"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A request waits this long for a pooled connection before it is answered 503.
POOL_TIMEOUT_SECONDS = 10
# What a client is told to wait when the database is away (a restart takes seconds).
RETRY_AFTER_SECONDS = 2
MIGRATE_COMMAND = "python -m api migrate"
T = TypeVar("T")


@dataclass(frozen=True)
class Database:
    """One engine, seen two ways: `reader` for safe requests, `writer` for the others.

    On SQLite the writer opens its transactions with BEGIN IMMEDIATE: a deferred transaction
    that reads and then writes fails at once with "database is locked" when another writer
    committed in between, instead of waiting its turn. On PostgreSQL both are the same.
    """

    reader: Engine
    writer: Engine
    feed: ChangeFeed = field(default_factory=ChangeFeed)

    def session(self, *, write: bool) -> Session:
        # The feed rides along so that commits can poke this process's event streams.
        engine = self.writer if write else self.reader
        return Session(engine, expire_on_commit=False, info={"feed": self.feed})

    def snapshot(self) -> Session:
        """A read-only session whose reads all see one snapshot of the database."""
        engine = self.reader
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="REPEATABLE READ")
        # SQLite's WAL read transaction is a snapshot from its first read on.
        return Session(engine, expire_on_commit=False, info={"feed": self.feed})

    def dispose(self) -> None:
        self.feed.close()
        self.reader.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event below decide how each transaction begins.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Each pooled connection keeps its own page cache (2 MB by default): 40 of them would
    # hold 80 MB of copies of what the operating system caches once (bench/RESULTS.md).
    cursor.execute("PRAGMA cache_size=-512")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def open_database(settings: Settings) -> Database:
    if settings.is_sqlite:
        engine = create_engine(
            settings.database_url,
            connect_args={"check_same_thread": False, "timeout": 10},
            pool_size=settings.db_pool_size,
            max_overflow=0,
            pool_timeout=POOL_TIMEOUT_SECONDS,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return Database(reader=engine, writer=engine.execution_options(sqlite_begin="IMMEDIATE"))
    # At most `db_pool_size` connections, never more (README "Database connections"). The
    # pre-ping (one round trip per checkout) replaces a connection that a database restart
    # or failover closed, so the first request after one is answered, not failed.
    connect_args = postgres_connect_args(settings)
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        pool_pre_ping=True,
        connect_args=connect_args,
    )
    # LISTEN holds its session: behind PgBouncer it needs a direct URL of its own.
    listen_url = make_url(settings.listen_database_url or settings.database_url)
    listen_dsn = listen_url.set(drivername="postgresql").render_as_string(hide_password=False)
    feed = ChangeFeed(listen_dsn, connect_args=connect_args)
    return Database(reader=engine, writer=engine, feed=feed)


def postgres_connect_args(settings: Settings) -> dict[str, Any]:
    """psycopg's options: a name in pg_stat_activity, a bound wait for the server, and, behind
    PgBouncer in transaction mode before 1.21, no server-side prepared statements."""
    args: dict[str, Any] = {"application_name": "attune", "connect_timeout": 5}
    if not settings.db_prepared_statements:
        args["prepare_threshold"] = None
    return args


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session: committed when the endpoint succeeds, rolled back otherwise.

    Opening a session does no I/O, and neither does closing one with no transaction: only a
    request that used the database goes to the threadpool to end its transaction.
    """
    database: Database = request.app.state.runtime.database
    session = database.session(write=request.method not in SAFE_METHODS)
    try:
        yield session
    except BaseException:
        await _end(session, session.rollback)
        raise
    else:
        await _end(session, session.commit)
    finally:
        session.close()


async def in_one_trip(db: Session, work: Callable[[], T]) -> T:
    """Runs a request's database work, then its commit, in one trip to the threadpool.

    A sync endpoint makes three (itself, FastAPI's check of what it returned, the session's
    end), and each costs more than a simple query (bench/RESULTS.md): the busiest routes are
    async and make this one.
    """

    def work_and_commit() -> T:
        result = work()
        db.commit()
        return result

    return await run_in_threadpool(work_and_commit)


async def _end(session: Session, end: Callable[[], None]) -> None:
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        await run_in_threadpool(end)


def dialect_insert(db: Session, table: type[SQLModel]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that knows ON CONFLICT, in the dialect of the session's engine."""
    if db.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migrate(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


class SchemaState(StrEnum):
    """Where a database's schema stands; each value is what an operator is told."""

    at_head = "The database is at the latest migration."
    behind = f"Migrations behind head: run `{MIGRATE_COMMAND}`."
    unknown = "The database is at a migration this release does not know (a newer one ran)."


class Migrations:
    """The migrations this release ships, and where a database stands against them."""

    @cached_property
    def _script(self) -> ScriptDirectory:
        return ScriptDirectory.from_config(alembic_config("sqlite://"))

    @cached_property
    def heads(self) -> frozenset[str]:
        return frozenset(self._script.get_heads())

    @cached_property
    def known(self) -> frozenset[str]:
        return frozenset(revision.revision for revision in self._script.walk_revisions())

    def state_of(self, engine: Engine) -> SchemaState:
        """Raises SQLAlchemy's OperationalError when the database cannot be reached."""
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
        if current == self.heads:
            return SchemaState.at_head
        return SchemaState.behind if current <= self.known else SchemaState.unknown


def install_unavailable_handlers(app: FastAPI) -> None:
    """A database that refuses connections (restarting, failing over, "too many clients",
    the pool exhausted, not migrated) is answered 503 with Retry-After, never 500; the
    pool has dropped the broken connections, so the next request finds a fresh one."""
    app.add_exception_handler(exc.DBAPIError, _on_database_error)
    app.add_exception_handler(exc.TimeoutError, _on_database_error)


def unavailable_reason(error: Exception) -> str | None:
    """Why `error` means "the database is away for now", or None for an error of ours."""
    if isinstance(error, exc.TimeoutError):
        return "All database connections are busy."
    if not isinstance(error, exc.DBAPIError):
        return None
    if isinstance(error.orig, pg_errors.UndefinedTable) or "no such table" in str(error.orig):
        return "The database is not migrated."
    if error.connection_invalidated or isinstance(error, exc.OperationalError | exc.InterfaceError):
        return "The database is unavailable."
    return None


async def _on_database_error(request: Request, error: Exception) -> JSONResponse:
    reason = unavailable_reason(error)
    if reason is None:
        raise error  # a bug: the 500 handler logs it
    # The driver's class only: its message may quote the statement and its parameters.
    cause = type(getattr(error, "orig", None) or error).__name__
    log.warning("database unavailable", extra={"reason": reason, "error": cause})
    unavailable = ServiceUnavailable(f"{reason} Try again in a few seconds.")
    return problem_response(
        unavailable.status,
        unavailable.title,
        unavailable.slug,
        unavailable.detail,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
