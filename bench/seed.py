"""A fresh database for the benchmark: made by the app's own migrations and content loader,
then filled in bulk with SQLAlchemy Core (minutes of HTTP calls become seconds of INSERTs).
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import Connection, Table, create_engine, insert
from sqlalchemy.engine import make_url
from sqlmodel import Session

from api.content.catalog import read_catalog
from api.kernel.config import get_settings
from api.models import metadata
from api.security.passwords import PasswordHasher
from bench.history import PASSWORD, TABLE_ORDER, Cohort, History, Member
from bench.rows import Row

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Dataset:
    database_url: str
    members: list[Member]
    rows: dict[str, int]
    seconds: float


def fresh_database(engine: str, work_dir: Path, postgres_url: str) -> str:
    """An empty database for `engine`, replacing the last run's; its DATABASE_URL."""
    if engine == "sqlite":
        for leftover in work_dir.glob("attune.db*"):
            leftover.unlink()
        return f"sqlite:///{work_dir / 'attune.db'}"
    url = make_url(postgres_url)
    name = url.database or "attune_bench"
    admin = url.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def prepare(database_url: str) -> None:
    """Migrate and load the shipped content the way an operator would: with the CLI."""
    env = os.environ | {"DATABASE_URL": database_url}
    for command in ("migrate", "load-content"):
        subprocess.run(
            [sys.executable, "-m", "api", command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def seed(database_url: str, cohorts: list[Cohort]) -> Dataset:
    started = time.perf_counter()
    settings = get_settings()
    # The real Argon2id parameters, so logins cost what they cost in production; hashed
    # once and shared, since hashing 4,000 passwords would take minutes.
    password_hash = PasswordHasher(
        memory_kib=settings.argon2_memory_kib, time_cost=settings.argon2_time_cost, concurrency=1
    ).hash(PASSWORD)
    engine = create_engine(database_url)
    with Session(engine) as db:
        catalog = read_catalog(db)
    history = History(catalog, now=datetime.now(UTC), password_hash=password_hash)
    members: list[Member] = []
    counts = dict.fromkeys(TABLE_ORDER, 0)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            # Nothing to lose if the seed dies half-way; index pages stay in memory.
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
            connection.exec_driver_sql("PRAGMA cache_size=-262144")
        for batch in history.batches(cohorts):
            for name in TABLE_ORDER:
                rows = batch.tables.get(name)
                if rows:
                    _write(connection, metadata.tables[name], rows)
                    counts[name] += len(rows)
            members.extend(batch.members)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return Dataset(database_url, members, counts, time.perf_counter() - started)


def _write(connection: Connection, table: Table, rows: list[Row]) -> None:
    # Only the columns this schema has: the history also fills ones that came later (sync's
    # seqs), so the bench runs on older commits too.
    columns = [name for name in table.c.keys() if name in rows[0]]
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), [{name: row[name] for name in columns} for row in rows])
        return
    # COPY: several times faster than INSERTs on PostgreSQL.
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    names = ", ".join(f'"{name}"' for name in columns)
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_copyable(row[name]) for name in columns])


def _copyable(value: object) -> object:
    return json.dumps(value) if isinstance(value, dict | list) else value
