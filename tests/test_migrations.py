"""Alembic is the only way the schema is made: it must go up, down and up again, and agree
with the models."""

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect

from api.kernel.db import alembic_config
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
