"""First results remembered under a client's key, to answer retries identically: an
Idempotency-Key's response or a sync mutation's outcome (api/services/remembered.py)."""

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.base import UTCDateTime, new_id


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("user_id", "kind", "key"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False
        )
    )
    # "request" (an Idempotency-Key) or "mutation" (a sync mutation id).
    kind: str = Field(max_length=16)
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64)
    status_code: int
    response_body: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
