"""Engines for SQLite and PostgreSQL, the per-request session, migrations, and what a client
is told while the database is away."""

import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import anyio
import psycopg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from psycopg import errors as pg_errors
from sqlalchemy import Connection, Engine, create_engine, event, exc, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel
from starlette.concurrency import run_in_threadpool

from api.kernel.config import Settings
from api.kernel.errors import ServiceUnavailable, problem_response
from api.kernel.realtime import ChangeFeed

log = logging.getLogger("api.db")

ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A request waits this long for a pooled connection before it is answered 503.
POOL_TIMEOUT_SECONDS = 10
# What a client is told to wait when the database is away (a restart takes seconds).
RETRY_AFTER_SECONDS = 2
MIGRATE_COMMAND = "python -m api migrate"
T = TypeVar("T")


class WriterBusy(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__(
            "Too many changes are being saved at this moment; try again in a second.",
            headers={"Retry-After": "1"},
        )


class _OneWriter:
    """SQLite runs one write transaction at a time. This process's writers wait for their turn
    on a lock, woken the moment the writer before them ends (SQLite's own busy handler would
    have them poll, sleeping up to 100 ms a time), and a bounded number of them: one more than
    `queue` is refused at once, and one that has waited `wait` seconds gives up, both with
    503 and Retry-After. Each waiter blocks a thread of the threadpool, so the bound keeps
    threads free for the writer itself to finish: with every thread waiting, it never would.
    """

    def __init__(self, queue: int, wait: float) -> None:
        self._turn = threading.Lock()  # not an RLock: a transaction may end on another thread
        self._places = threading.BoundedSemaphore(queue + 1)  # the writer and its queue
        self._wait = wait
        self._holder: Connection | None = None

    def begin(self, connection: Connection) -> None:
        if not self._places.acquire(blocking=False):
            raise WriterBusy()
        if not self._turn.acquire(timeout=self._wait):
            self._places.release()
            raise WriterBusy()
        self._holder = connection
        try:
            # IMMEDIATE: a deferred transaction that reads and then writes fails at once with
            # "database is locked" when another process wrote in between, instead of waiting.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as exc:  # another process held the lock past busy_timeout
            self.end(connection)
            raise WriterBusy() from exc

    def end(self, connection: Connection) -> None:
        # SQLAlchemy announces a commit or rollback just before it sends it: the next writer
        # may meet SQLite's lock for the instant that takes, and its busy handler covers it.
        if self._holder is connection:
            self._holder = None
            self._turn.release()
            self._places.release()


class SQLiteCommits:
    """Whether anything was committed to a SQLite file since the last look, by this process or
    any other: SQLite's `data_version`, read on a connection of its own, moves with every
    commit made on another connection. Called from one thread at a time."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None
        self._seen: int | None = None

    def unchanged(self) -> bool:
        """True when nothing was committed since the previous call (never on the first, nor
        when the file cannot be read: then the caller checks as if all had changed)."""
        try:
            if self._connection is None:
                self._connection = sqlite3.connect(self._path, check_same_thread=False)
            version = int(self._connection.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            self._seen = None
            return False
        unchanged, self._seen = version == self._seen, version
        return unchanged

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


@dataclass(frozen=True)
class Database:
    """`reader` for safe requests and what a write request reads first, `writer` for writes.

    On SQLite they are two engines on one file: the writer's transactions take SQLite's one
    write lock as they begin (BEGIN IMMEDIATE), in turn (`_OneWriter`); the reader's never do.
    On PostgreSQL both are the same engine.
    """

    reader: Engine
    writer: Engine
    feed: ChangeFeed = field(default_factory=ChangeFeed)
    # A SQLite file's path: what tells a background check when nothing can have changed.
    sqlite_path: str | None = None
    # The threads that end requests' transactions (`get_session`), as many as there can be
    # connections. Not the requests' own threads: a session waiting to commit holds its
    # connection, so if it queued behind requests that each wait for a connection, neither
    # would go on (32 logins at once hung every worker thread until the pool timed out).
    ending: anyio.CapacityLimiter = field(default_factory=lambda: anyio.CapacityLimiter(1))
    _watches: list[SQLiteCommits] = field(default_factory=list)

    def session(self, *, write: bool) -> Session:
        # The feed rides along so that commits can poke this process's event streams.
        engine = self.writer if write else self.reader
        return Session(engine, expire_on_commit=False, info={"feed": self.feed})

    @contextmanager
    def reading(self, db: Session) -> Iterator[None]:
        """Run what a request reads before it writes (who is calling) in a transaction of its
        own on the reader, committed on the way out: on SQLite a write request then holds the
        write lock for its write alone, not while it is authenticated."""
        bound = db.bind
        db.bind = self.reader
        try:
            yield
            db.commit()
        finally:
            db.bind = bound

    def snapshot(self) -> Session:
        """A read-only session whose reads all see one snapshot of the database."""
        engine = self.reader
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="REPEATABLE READ")
        # SQLite's WAL read transaction is a snapshot from its first read on.
        return Session(engine, expire_on_commit=False, info={"feed": self.feed})

    def commit_watch(self) -> Callable[[], bool] | None:
        """Whether nothing was committed since the previous call, on a SQLite file (None
        elsewhere). Each caller gets its own: each has a previous call of its own."""
        if self.sqlite_path is None:
            return None
        watch = SQLiteCommits(self.sqlite_path)
        self._watches.append(watch)
        return watch.unchanged

    def dispose(self) -> None:
        self.feed.close()
        for watch in self._watches:
            watch.close()
        self.reader.dispose()
        self.writer.dispose()


def _sqlite_engine(url: str, pool_size: int, max_overflow: int, busy_seconds: float) -> Engine:
    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let the "begin" events decide how each transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Each pooled connection keeps its own page cache (2 MB by default): 40 of them would
        # hold 80 MB of copies of what the operating system caches once (bench/RESULTS.md).
        cursor.execute("PRAGMA cache_size=-512")
        cursor.close()

    engine = create_private_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_seconds},
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=POOL_TIMEOUT_SECONDS,
    )
    event.listen(engine, "connect", pragmas)
    return engine


def _begin_deferred(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _withhold_values(context: ExceptionContext) -> None:
    """PostgreSQL's messages quote the values they refuse ("Key (email)=(sam@example.com)
    already exists", "Failing row contains (...)", 'invalid input syntax for type integer:
    "..."'), and an exception's message ends up in logs: the server's message is replaced by
    what cannot hold a value. SQLite's messages are the engine's own fixed words."""
    error = context.original_exception
    if not isinstance(error, psycopg.Error) or error.sqlstate is None:
        return  # raised by the client library, in its own words
    diag = error.diag
    named = [
        f"{what} {name}"
        for what, name in (
            ("table", diag.table_name),
            ("column", diag.column_name),
            ("constraint", diag.constraint_name),
        )
        if name
    ]
    summary = f"SQLSTATE {error.sqlstate}{''.join(f', {n}' for n in named)}; message withheld"
    error.args = (summary,)
    if context.sqlalchemy_exception is not None:
        kind = f"{type(error).__module__}.{type(error).__name__}"
        context.sqlalchemy_exception.args = (f"({kind}) {summary}",)


class _NoRows(logging.Filter):
    """SQLAlchemy logs every row it reads when its engine's logger is at DEBUG: answers,
    emails, password hashes. Statements (at INFO) still are, with their parameters hidden."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "Row %r"


_NO_ROWS = _NoRows()


def create_private_engine(url: str, **options: Any) -> Engine:
    """An engine whose errors and logs never carry what people wrote: SQL parameters hidden
    from both (`hide_parameters`), PostgreSQL's messages withheld, rows never logged."""
    engine = create_engine(url, hide_parameters=True, **options)
    event.listen(engine, "handle_error", _withhold_values)
    logging.getLogger("sqlalchemy.engine.Engine").addFilter(_NO_ROWS)
    return engine


def open_database(settings: Settings) -> Database:
    if settings.is_sqlite:
        url, pool = settings.database_url, settings.db_pool_size
        reader = _sqlite_engine(url, pool, 0, busy_seconds=10)
        event.listen(reader, "begin", _begin_deferred)
        # The writer's own pool: its waiters hold none of the reader's connections. Past the
        # writer and its queue, overflow connections carry refusals, which come at once.
        queue, wait = settings.sqlite_write_queue, settings.sqlite_write_wait_seconds
        writer = _sqlite_engine(url, queue + 1, pool, busy_seconds=wait)
        turns = _OneWriter(queue, wait)
        event.listen(writer, "begin", turns.begin)
        event.listen(writer, "commit", turns.end)
        event.listen(writer, "rollback", turns.end)
        path = reader.url.database
        file = path if path and path != ":memory:" else None
        ending = anyio.CapacityLimiter(pool + queue + 1 + pool)  # the reader's, the writer's
        return Database(reader=reader, writer=writer, sqlite_path=file, ending=ending)
    # At most `db_pool_size` connections, never more (README "Database connections"). The
    # pre-ping (one round trip per checkout) replaces a connection that a database restart
    # or failover closed, so the first request after one is answered, not failed.
    connect_args = postgres_connect_args(settings)
    engine = create_private_engine(
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
    ending = anyio.CapacityLimiter(settings.db_pool_size)
    return Database(reader=engine, writer=engine, feed=feed, ending=ending)


def request_threads(settings: Settings) -> int:
    """Threads that run requests' database work: one fewer than connections. A request holds
    at most two at once (the day's first /v1/today opens its write transaction inside its
    read one), so when every thread holds one and waits for another, one connection is left
    and that request finishes; with as many threads as connections, they could all wait."""
    return settings.db_pool_size - 1


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

    This is the request paths' one commit site; `in_one_trip` only moves the same commit into
    the endpoint's own trip to the threadpool. The exceptions, each for its reason:
    `Database.reading` (who is calling, read before the write lock is taken), a refresh
    token's family revoked on reuse (it must outlive the 401's rollback), the day's first
    assignment (made on the writer while the request reads), and each pushed sync mutation
    (one transaction per mutation, so one rejected leaves the others applied).
    """
    database: Database = request.app.state.runtime.database
    session = database.session(write=request.method not in SAFE_METHODS)
    try:
        yield session
    except BaseException:
        await _end(database, session, session.rollback)
        raise
    else:
        await _end(database, session, session.commit)
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


async def _end(database: Database, session: Session, end: Callable[[], None]) -> None:
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        await anyio.to_thread.run_sync(end, limiter=database.ending)


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
        # Read directly, not through Alembic's MigrationContext: that logs two INFO lines,
        # which a probe every few seconds would turn into most of the log.
        with engine.connect() as connection:
            current = (
                set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
                if inspect(connection).has_table("alembic_version")
                else set()
            )
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
