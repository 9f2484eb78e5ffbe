"""Alembic is the only way the schema is made: it must go up, down and up again, and agree
with the models."""

import json
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlmodel import Session

from api.kernel.db import alembic_config
from api.services import remembered
from api.services.remembered import KeyKind
from tests.databases import fresh_database


def test_upgrade_downgrade_upgrade_and_models_agree(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        engine = create_engine(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert "user_account" in inspect(engine).get_table_names()
        engine.dispose()
        command.check(config)  # raises when autogenerate finds a difference


def test_a_mutation_pushed_before_0012_is_still_remembered_after_it(tmp_path: Path) -> None:
    # A phone that pushed before the upgrade and retries after it must get "duplicate", not
    # a second application: the mutation's outcome moves with its user into the one table.
    result = {"status": "applied", "answer": {"version": 1}}
    with fresh_database(tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "0011")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO user_account (id, email, email_verified, password_hash, "
                    "display_name, timezone, locale, is_admin, created_at, head_seq) VALUES "
                    "('u1', 'sam@example.com', false, 'x', 'Sam', 'UTC', 'en', false, "
                    ":at, 0)"
                ),
                {"at": datetime(2026, 12, 1, tzinfo=UTC)},
            )
            connection.execute(
                text(
                    "INSERT INTO sync_mutation (user_id, mutation_id, result, created_at) "
                    "VALUES ('u1', 'm-1', :result, :at)"
                ),
                {"result": json.dumps(result), "at": datetime(2026, 12, 1, tzinfo=UTC)},
            )
        command.upgrade(config, "head")
        with Session(engine) as db:
            first = remembered.recall(db, "u1", KeyKind.mutation, "m-1")
            assert remembered.recall(db, "u1", KeyKind.request, "m-1") is None
        engine.dispose()
    assert first is not None and first.body == result
