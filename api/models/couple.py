"""Couples and the invites that link them."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, Date, ForeignKey, String
from sqlmodel import Field, SQLModel

from api.models.base import UTCDateTime, new_id


class Invite(SQLModel, table=True):
    """A user's live invite code; a user has at most one (a new one replaces the old)."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    inviter_id: str = Field(
        sa_column=Column(
            String(36),
            ForeignKey("user_account.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        )
    )
    code: str = Field(max_length=8, unique=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Couple(SQLModel, table=True):
    """Two linked people. Linking again, even the same two, makes a new couple."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    linked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    timezone: str = Field(max_length=64)
    day_starts_at: str = Field(default="04:00", max_length=5)
    focus_themes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    journey_slug: str | None = Field(default=None, max_length=64)
    journey_started_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    # The last couple day of the pause covering today, if any (the pause itself, kept for the
    # budget and the streak, is api/models/ritual.py): on the row, so /v1/today, which has the
    # couple at hand, knows without a query of its own.
    paused_until: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    # The couple's change counter: bumped under this row's lock in every write transaction
    # of the couple's data, so the order of seqs is the order of commits.
    head_seq: int = 0
    change_seq: int = 0


class CoupleMember(SQLModel, table=True):
    """Who was in which couple: kept after an unlink, so each can export their past couples."""

    __tablename__ = "couple_member"

    couple_id: str = Field(
        sa_column=Column(String(36), ForeignKey("couple.id", ondelete="CASCADE"), primary_key=True)
    )
    user_id: str = Field(
        sa_column=Column(
            String(36),
            ForeignKey("user_account.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        )
    )
