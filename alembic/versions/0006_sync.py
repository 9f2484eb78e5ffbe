"""sync

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tombstone",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("space", sa.String(length=40), nullable=False, server_default=""),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.String(length=140), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tombstone")),
    )
    with op.batch_alter_table("tombstone", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tombstone_space_change_seq", ["space", "change_seq"], unique=False
        )
        batch_op.create_index(
            "ix_tombstone_space_entity_entity_id", ["space", "entity", "entity_id"], unique=False
        )

    op.create_table(
        "sync_mutation",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("mutation_id", sa.String(length=64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_sync_mutation_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "mutation_id", name=op.f("pk_sync_mutation")),
    )
    op.create_table(
        "answer_revision",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("answer_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answer.id"],
            name=op.f("fk_answer_revision_answer_id_answer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_revision")),
    )
    with op.batch_alter_table("answer_revision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_answer_revision_answer_id"), ["answer_id"], unique=False
        )

    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("space", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("change_seq", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_answer_space_change_seq", ["space", "change_seq"], unique=False)

    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("space", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("change_seq", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            "ix_assignment_space_change_seq", ["space", "change_seq"], unique=False
        )

    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("space", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("change_seq", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_checkin_space_change_seq", ["space", "change_seq"], unique=False)

    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("space", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("change_seq", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_comment_space_change_seq", ["space", "change_seq"], unique=False)

    with op.batch_alter_table("couple", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head_seq", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("change_seq", sa.Integer(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("reaction", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("space", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("change_seq", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_reaction_space_change_seq", ["space", "change_seq"], unique=False)

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head_seq", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("head_seq")

    with op.batch_alter_table("reaction", schema=None) as batch_op:
        batch_op.drop_index("ix_reaction_space_change_seq")
        batch_op.drop_column("change_seq")
        batch_op.drop_column("space")

    with op.batch_alter_table("couple", schema=None) as batch_op:
        batch_op.drop_column("change_seq")
        batch_op.drop_column("head_seq")

    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_space_change_seq")
        batch_op.drop_column("change_seq")
        batch_op.drop_column("space")

    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_space_change_seq")
        batch_op.drop_column("change_seq")
        batch_op.drop_column("space")

    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_assignment_space_change_seq")
        batch_op.drop_column("change_seq")
        batch_op.drop_column("space")

    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_space_change_seq")
        batch_op.drop_column("change_seq")
        batch_op.drop_column("space")

    with op.batch_alter_table("answer_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_revision_answer_id"))

    op.drop_table("answer_revision")
    op.drop_table("sync_mutation")
    with op.batch_alter_table("tombstone", schema=None) as batch_op:
        batch_op.drop_index("ix_tombstone_space_entity_entity_id")
        batch_op.drop_index("ix_tombstone_space_change_seq")

    op.drop_table("tombstone")
