"""What sync keeps besides the rows themselves: deletions, mutation results, revisions."""

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from api.models.base import UTCDateTime, new_id


class Tombstone(SQLModel, table=True):
    """A deleted row, so a pull can tell clients to drop their copy."""

    __table_args__ = (
        Index("ix_tombstone_space_change_seq", "space", "change_seq"),
        Index("ix_tombstone_space_entity_entity_id", "space", "entity", "entity_id"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    space: str = Field(max_length=40)
    entity: str = Field(max_length=16)
    entity_id: str = Field(max_length=140)
    change_seq: int


class AnswerRevision(SQLModel, table=True):
    """Text a stale offline edit overwrote: kept, never silently lost."""

    __tablename__ = "answer_revision"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    answer_id: str = Field(
        sa_column=Column(
            String(64), ForeignKey("answer.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    version: int
    content: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    replaced_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
