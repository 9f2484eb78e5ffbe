"""Engines for SQLite and PostgreSQL, the per-request session, and migrations."""

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import Request
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel
from starlette.concurrency import run_in_threadpool

from api.config import Settings
from api.errors import ServiceUnavailable
from api.realtime import ChangeFeed

ALEMBIC_DIR = Path(__file__).resolve().parent.parent / "alembic"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
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

    def dispose(self) -> None:
        self.feed.close()
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

    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_seconds},
        pool_size=pool_size,
        max_overflow=max_overflow,
    )
    event.listen(engine, "connect", pragmas)
    return engine


def _begin_deferred(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


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
        return Database(reader=reader, writer=writer)
    # The pool matches the threadpool that runs sync endpoints, so no request waits on it.
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size, max_overflow=10)
    listen_dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    return Database(reader=engine, writer=engine, feed=ChangeFeed(listen_dsn))


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


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def is_ready(engine: Engine, expected_head: str | None) -> bool:
    """The database answers and its schema is at the migrations' head."""
    with engine.connect() as connection:
        current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return current == expected_head
