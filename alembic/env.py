"""Alembic environment: the only way Attune's schema is made, on SQLite and PostgreSQL."""

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlmodel.sql.sqltypes import AutoString

import api.models  # noqa: F401  (registers every table)
from api.kernel.config import get_settings
from api.kernel.db import create_private_engine
from api.models.base import UTCDateTime, metadata

config = context.config


def render_plain_types(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Migrations name plain SQLAlchemy types, so they never import the application."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})"
    return False


def run_migrations() -> None:
    # api.db.alembic_config() sets the URL; the plain `alembic` command reads the settings.
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = create_private_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_plain_types,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
