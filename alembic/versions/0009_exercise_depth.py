"""exercise mechanism and depth, journey translations

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01

Versions published before exercises were tagged keep a null mechanism and depth: they are
what was delivered then. Loading the content files publishes tagged versions of every shipped
exercise (their digests change), so the current versions are tagged after `load-content`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exercise_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mechanism", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("depth", sa.Integer(), nullable=True))
    with op.batch_alter_table("journey", schema=None) as batch_op:
        # Existing journeys have no translations yet: the next load adds them.
        batch_op.add_column(
            sa.Column("translations", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("journey", schema=None) as batch_op:
        batch_op.drop_column("translations")
    with op.batch_alter_table("exercise_version", schema=None) as batch_op:
        batch_op.drop_column("depth")
        batch_op.drop_column("mechanism")
