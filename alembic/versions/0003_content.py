"""content

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "journey",
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("source_digest", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_journey")),
    )
    op.create_table(
        "theme",
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("translations", sa.JSON(), nullable=False),
        sa.Column("source_digest", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_theme")),
    )
    op.create_table(
        "exercise",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("theme_slug", sa.String(length=64), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("source_digest", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["theme_slug"], ["theme.slug"], name=op.f("fk_exercise_theme_slug_theme")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise")),
    )
    with op.batch_alter_table("exercise", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exercise_theme_slug"), ["theme_slug"], unique=False)

    op.create_table(
        "exercise_version",
        sa.Column("exercise_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("translations", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["exercise.id"],
            name=op.f("fk_exercise_version_exercise_id_exercise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("exercise_id", "version", name=op.f("pk_exercise_version")),
    )


def downgrade() -> None:
    op.drop_table("exercise_version")
    with op.batch_alter_table("exercise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exercise_theme_slug"))

    op.drop_table("exercise")
    op.drop_table("theme")
    op.drop_table("journey")
