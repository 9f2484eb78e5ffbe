"""Assignments and what people write under them: answers, comments, reactions; check-ins."""

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


class Assignment(SQLModel, table=True):
    """One exercise version given to a couple (or, in solo mode, to one user) on a local day."""

    __table_args__ = (
        Index("ix_assignment_couple_id_local_date", "couple_id", "local_date"),
        Index("ix_assignment_solo_user_id_local_date", "solo_user_id", "local_date"),
        Index("ix_assignment_space_change_seq", "space", "change_seq"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    couple_id: str | None = Field(
        default=None, sa_column=_fk("couple.id", nullable=True, index=False)
    )
    solo_user_id: str | None = Field(
        default=None, sa_column=_fk("user_account.id", nullable=True, index=False)
    )
    kind: str = Field(max_length=16)
    exercise_id: str = Field(max_length=64)
    exercise_version: int
    local_date: date = Field(sa_column=Column(Date, nullable=False))
    # "<owner>:<date>" for the day's own assignment (daily, journey, solo); null for extras.
    # Unique, so two first requests of a day racing each other create it once.
    day_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(sa_column=_utc())
    revealed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # Sync: the change stream this row belongs to (a couple's, or a solo user's) and the
    # position of its latest change there (see api/kernel/changes.py).
    space: str = Field(default="", max_length=40)
    change_seq: int = 0


class Answer(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("assignment_id", "user_id"),
        Index("ix_answer_space_change_seq", "space", "change_seq"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    assignment_id: str = Field(sa_column=_fk("assignment.id", index=False))
    user_id: str = Field(sa_column=_fk("user_account.id"))
    content: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    version: int = 1
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())
    # Set when the answer changes after the reveal, so the partner sees it as edited.
    edited_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # Sync: the change stream this row belongs to (a couple's, or a solo user's) and the
    # position of its latest change there (see api/kernel/changes.py).
    space: str = Field(default="", max_length=40)
    change_seq: int = 0


class Comment(SQLModel, table=True):
    __table_args__ = (Index("ix_comment_space_change_seq", "space", "change_seq"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    assignment_id: str = Field(sa_column=_fk("assignment.id"))
    user_id: str = Field(sa_column=_fk("user_account.id"))
    body: str = Field(max_length=2000)
    created_at: datetime = Field(sa_column=_utc())
    # Sync: the change stream this row belongs to (a couple's, or a solo user's) and the
    # position of its latest change there (see api/kernel/changes.py).
    space: str = Field(default="", max_length=40)
    change_seq: int = 0


class Reaction(SQLModel, table=True):
    """One reaction per person per answer."""

    __table_args__ = (Index("ix_reaction_space_change_seq", "space", "change_seq"),)

    answer_id: str = Field(
        sa_column=Column(String(64), ForeignKey("answer.id", ondelete="CASCADE"), primary_key=True)
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
    # Sync: the change stream this row belongs to (a couple's, or a solo user's) and the
    # position of its latest change there (see api/kernel/changes.py).
    space: str = Field(default="", max_length=40)
    change_seq: int = 0


class CheckIn(SQLModel, table=True):
    """How connected a person feels on a local day: one per person per day."""

    __tablename__ = "checkin"
    __table_args__ = (
        UniqueConstraint("user_id", "local_date"),
        Index("ix_checkin_space_change_seq", "space", "change_seq"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    user_id: str = Field(sa_column=_fk("user_account.id", index=False))
    couple_id: str | None = Field(default=None, sa_column=_fk("couple.id", nullable=True))
    local_date: date = Field(sa_column=Column(Date, nullable=False))
    mood: int
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())
    # Sync: the change stream this row belongs to (a couple's, or a solo user's) and the
    # position of its latest change there (see api/kernel/changes.py).
    space: str = Field(default="", max_length=40)
    change_seq: int = 0
