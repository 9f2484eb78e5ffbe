"""rituals between the dailies: appreciations, nudges, pauses, the monthly pulse

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

Existing people may be nudged and keep their pulse private, as new ones do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appreciation",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("couple_id", sa.String(length=36), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("body", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("space", sa.String(length=40), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_appreciation_author_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["couple_id"],
            ["couple.id"],
            name=op.f("fk_appreciation_couple_id_couple"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appreciation")),
    )
    with op.batch_alter_table("appreciation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appreciation_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            "ix_appreciation_couple_id_created_at", ["couple_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_appreciation_space_change_seq", ["space", "change_seq"], unique=False
        )

    op.create_table(
        "nudge",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("couple_id", sa.String(length=36), nullable=False),
        sa.Column("sender_id", sa.String(length=36), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["couple_id"], ["couple.id"], name=op.f("fk_nudge_couple_id_couple"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["user_account.id"],
            name=op.f("fk_nudge_sender_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge")),
        sa.UniqueConstraint("couple_id", "local_date", name=op.f("uq_nudge_couple_id_local_date")),
    )
    with op.batch_alter_table("nudge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nudge_sender_id"), ["sender_id"], unique=False)

    op.create_table(
        "pause",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("couple_id", sa.String(length=36), nullable=False),
        sa.Column("paused_by", sa.String(length=36), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("space", sa.String(length=40), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["couple_id"], ["couple.id"], name=op.f("fk_pause_couple_id_couple"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["paused_by"],
            ["user_account.id"],
            name=op.f("fk_pause_paused_by_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pause")),
    )
    with op.batch_alter_table("pause", schema=None) as batch_op:
        batch_op.create_index("ix_pause_couple_id_until", ["couple_id", "until"], unique=False)
        batch_op.create_index(batch_op.f("ix_pause_paused_by"), ["paused_by"], unique=False)
        batch_op.create_index("ix_pause_space_change_seq", ["space", "change_seq"], unique=False)

    op.create_table(
        "pulse",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("couple_id", sa.String(length=36), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("space", sa.String(length=40), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["couple_id"],
            ["couple.id"],
            name=op.f("fk_pulse_couple_id_couple"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_pulse_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse")),
        sa.UniqueConstraint("user_id", "month", name=op.f("uq_pulse_user_id_month")),
    )
    with op.batch_alter_table("pulse", schema=None) as batch_op:
        batch_op.create_index("ix_pulse_couple_id_month", ["couple_id", "month"], unique=False)
        batch_op.create_index("ix_pulse_space_change_seq", ["space", "change_seq"], unique=False)

    op.create_table(
        "appreciation_reaction",
        sa.Column("appreciation_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("emoji", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appreciation_id"],
            ["appreciation.id"],
            name=op.f("fk_appreciation_reaction_appreciation_id_appreciation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_appreciation_reaction_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "appreciation_id", "user_id", name=op.f("pk_appreciation_reaction")
        ),
    )
    with op.batch_alter_table("appreciation_reaction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appreciation_reaction_user_id"), ["user_id"], unique=False
        )

    with op.batch_alter_table("couple", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_until", sa.Date(), nullable=True))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("nudges", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column("share_pulse", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("share_pulse")
        batch_op.drop_column("nudges")
    with op.batch_alter_table("couple", schema=None) as batch_op:
        batch_op.drop_column("paused_until")

    with op.batch_alter_table("appreciation_reaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appreciation_reaction_user_id"))

    op.drop_table("appreciation_reaction")
    with op.batch_alter_table("pulse", schema=None) as batch_op:
        batch_op.drop_index("ix_pulse_space_change_seq")
        batch_op.drop_index("ix_pulse_couple_id_month")

    op.drop_table("pulse")
    with op.batch_alter_table("pause", schema=None) as batch_op:
        batch_op.drop_index("ix_pause_space_change_seq")
        batch_op.drop_index(batch_op.f("ix_pause_paused_by"))
        batch_op.drop_index("ix_pause_couple_id_until")

    op.drop_table("pause")
    with op.batch_alter_table("nudge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nudge_sender_id"))

    op.drop_table("nudge")
    with op.batch_alter_table("appreciation", schema=None) as batch_op:
        batch_op.drop_index("ix_appreciation_space_change_seq")
        batch_op.drop_index("ix_appreciation_couple_id_created_at")
        batch_op.drop_index(batch_op.f("ix_appreciation_author_id"))

    op.drop_table("appreciation")
