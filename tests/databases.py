"""Throwaway test databases on the engine chosen by ATTUNE_TEST_DB (sqlite or postgresql)."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

ENGINE = os.environ.get("ATTUNE_TEST_DB", "sqlite")
PG_ADMIN_DSN = os.environ.get("ATTUNE_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def fresh_database(tmp_dir: Path) -> Iterator[str]:
    """A new empty database (a file, or a PostgreSQL database), dropped afterwards."""
    if ENGINE == "sqlite":
        yield f"sqlite:///{tmp_dir / f'attune-{uuid.uuid4().hex}.db'}"
        return
    if ENGINE != "postgresql":
        raise RuntimeError(f"ATTUNE_TEST_DB must be sqlite or postgresql, not {ENGINE!r}")
    name = f"attune_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        # A test database need not survive a crash: commits stop waiting for the disk (the
        # tests that crash a server run a cluster of their own).
        admin.execute(
            sql.SQL("ALTER DATABASE {} SET synchronous_commit TO off").format(sql.Identifier(name))
        )
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
