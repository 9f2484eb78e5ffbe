"""one remembered result: sync mutation outcomes join Idempotency-Key responses

Both are a client's key and the first result under it (api/services/remembered.py); the
sync_mutation table's rows move into idempotency_record as kind "mutation", their ids kept
only as a hash as every key is. A downgrade cannot give the ids back: it empties the table
it recreates, so a phone's retry of a mutation pushed before it would apply again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import hashlib
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_records = sa.table(
    "idempotency_record",
    sa.column("id", sa.String),
    sa.column("user_id", sa.String),
    sa.column("kind", sa.String),
    sa.column("key", sa.String),
    sa.column("fingerprint", sa.String),
    sa.column("status_code", sa.Integer),
    sa.column("response_body", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="request")
        )
        batch_op.drop_constraint("uq_idempotency_record_user_id_key", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_idempotency_record_user_id_kind_key"), ["user_id", "kind", "key"]
        )
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
    mutations = sa.table(
        "sync_mutation",
        sa.column("user_id", sa.String),
        sa.column("mutation_id", sa.String),
        sa.column("result", sa.JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    rows = op.get_bind().execute(sa.select(mutations)).all()
    if rows:
        op.bulk_insert(
            _records,
            [
                {
                    "id": str(uuid.uuid4()),
                    "user_id": row.user_id,
                    "kind": "mutation",
                    "key": hashlib.sha256(row.mutation_id.encode()).hexdigest(),
                    "fingerprint": "",
                    "status_code": 200,
                    "response_body": row.result,
                    "created_at": row.created_at,
                }
                for row in rows
            ],
        )
    op.drop_table("sync_mutation")


def downgrade() -> None:
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
    op.execute("DELETE FROM idempotency_record WHERE kind = 'mutation'")
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_idempotency_record_user_id_kind_key"), type_="unique"
        )
        batch_op.create_unique_constraint("uq_idempotency_record_user_id_key", ["user_id", "key"])
        batch_op.drop_column("kind")
