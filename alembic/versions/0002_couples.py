"""couples

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "couple",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("day_starts_at", sa.String(length=5), nullable=False),
        sa.Column("focus_themes", sa.JSON(), nullable=False),
        sa.Column("journey_slug", sa.String(length=64), nullable=True),
        sa.Column("journey_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_couple")),
    )
    op.create_table(
        "couple_member",
        sa.Column("couple_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["couple_id"],
            ["couple.id"],
            name=op.f("fk_couple_member_couple_id_couple"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_couple_member_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("couple_id", "user_id", name=op.f("pk_couple_member")),
    )
    with op.batch_alter_table("couple_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_couple_member_user_id"), ["user_id"], unique=False)

    op.create_table(
        "invite",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("inviter_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inviter_id"],
            ["user_account.id"],
            name=op.f("fk_invite_inviter_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite")),
        sa.UniqueConstraint("code", name=op.f("uq_invite_code")),
        sa.UniqueConstraint("inviter_id", name=op.f("uq_invite_inviter_id")),
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("couple_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_user_account_couple_id"), ["couple_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_user_account_couple_id_couple"),
            "couple",
            ["couple_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_user_account_couple_id_couple"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_user_account_couple_id"))
        batch_op.drop_column("couple_id")

    op.drop_table("invite")
    with op.batch_alter_table("couple_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_couple_member_user_id"))

    op.drop_table("couple_member")
    op.drop_table("couple")
