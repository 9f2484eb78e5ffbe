"""notification actor: names rendered at send time, never stored

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_user_id", sa.String(length=36), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notification_actor_user_id"), ["actor_user_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_actor_user_id_user_account"),
            "user_account",
            ["actor_user_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Titles written before this revision carry the actor's name: the sent ones are no longer
    # needed for delivery, so they go now; a pending one keeps its title and is sent as it is.
    op.execute("DELETE FROM notification WHERE sent_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notification_actor_user_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_notification_actor_user_id"))
        batch_op.drop_column("actor_user_id")
