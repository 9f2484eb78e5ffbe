"""Engines for SQLite and PostgreSQL, the per-request session, and migrations."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import Request
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel

from api.config import Settings
from api.realtime import ChangeFeed

ALEMBIC_DIR = Path(__file__).resolve().parent.parent / "alembic"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return Database(reader=engine, writer=engine.execution_options(sqlite_begin="IMMEDIATE"))
    # The pool matches the threadpool that runs sync endpoints, so no request waits on it.
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size, max_overflow=10)
    listen_dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    return Database(reader=engine, writer=engine, feed=ChangeFeed(listen_dsn))


def get_session(request: Request) -> Iterator[Session]:
    """The request's session: committed when the endpoint succeeds, rolled back otherwise."""
    database: Database = request.app.state.runtime.database
    with database.session(write=request.method not in SAFE_METHODS) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


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
