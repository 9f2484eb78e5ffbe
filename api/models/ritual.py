"""What couples do between the dailies: appreciations, nudges, pauses, the monthly pulse."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.base import UTCDateTime, new_id


def _fk(target: str, *, nullable: bool = False, index: bool = True) -> Column[str]:
    return Column(
        String(36), ForeignKey(target, ondelete="CASCADE"), nullable=nullable, index=index
    )


def _utc(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class Appreciation(SQLModel, table=True):
    """A short note of thanks to the partner: shown at once, no reveal (it is a gift). It
    belongs to the couple it was sent in, so a former partner never sees it again."""

    __table_args__ = (
        Index("ix_appreciation_couple_id_created_at", "couple_id", "created_at"),
        Index("ix_appreciation_space_change_seq", "space", "change_seq"),
    )

    # The client may choose it (offline, sync-safe), hence the length of a client id.
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    couple_id: str = Field(sa_column=_fk("couple.id", index=False))
    author_id: str = Field(sa_column=_fk("user_account.id"))
    body: str = Field(max_length=500)
    created_at: datetime = Field(sa_column=_utc())
    # Sync: see api/kernel/changes.py. A reaction stamps its appreciation again.
    space: str = Field(default="", max_length=40)
    change_seq: int = 0


class AppreciationReaction(SQLModel, table=True):
    """One reaction per person per appreciation."""

    __tablename__ = "appreciation_reaction"

    appreciation_id: str = Field(
        sa_column=Column(
            String(64), ForeignKey("appreciation.id", ondelete="CASCADE"), primary_key=True
        )
    )
    user_id: str = Field(
        sa_column=Column(
            String(36),
            ForeignKey("user_account.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        )
    )
    emoji: str = Field(max_length=16)
    created_at: datetime = Field(sa_column=_utc())


class Nudge(SQLModel, table=True):
    """A reminder one partner sent the other: at most one per couple day (the unique key)."""

    __table_args__ = (UniqueConstraint("couple_id", "local_date"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    couple_id: str = Field(sa_column=_fk("couple.id", index=False))
    sender_id: str = Field(sa_column=_fk("user_account.id"))
    local_date: date = Field(sa_column=Column(Date, nullable=False))
    created_at: datetime = Field(sa_column=_utc())


class Pause(SQLModel, table=True):
    """Couple days, `starts_on` to `until` inclusive, with no daily, no reminder, and a streak
    that neither grows nor breaks. Kept after it ends: the rolling 90-day budget counts it."""

    __table_args__ = (
        Index("ix_pause_couple_id_until", "couple_id", "until"),
        Index("ix_pause_space_change_seq", "space", "change_seq"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    couple_id: str = Field(sa_column=_fk("couple.id", index=False))
    # Erased with its author's account: the reason is their words.
    paused_by: str = Field(sa_column=_fk("user_account.id"))
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    until: date = Field(sa_column=Column(Date, nullable=False))
    reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())
    space: str = Field(default="", max_length=40)
    change_seq: int = 0


class Pulse(SQLModel, table=True):
    """A person's answers to the monthly pulse, one per person per month; private unless both
    partners share (api/services/rituals/pulses.py)."""

    __table_args__ = (
        UniqueConstraint("user_id", "month"),
        Index("ix_pulse_couple_id_month", "couple_id", "month"),
        Index("ix_pulse_space_change_seq", "space", "change_seq"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(sa_column=_fk("user_account.id", index=False))
    # The couple the person was in when they last answered: a partner's trend shows only
    # the pulses of their couple.
    couple_id: str | None = Field(
        default=None,
        sa_column=Column(
            String(36), ForeignKey("couple.id", ondelete="SET NULL"), nullable=True, index=False
        ),
    )
    month: str = Field(max_length=7)
    answers: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))
    score: int
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())
    space: str = Field(default="", max_length=40)
    change_seq: int = 0
