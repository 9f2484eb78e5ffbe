"""Accounts and their credentials: users, login sessions (refresh families), mailed tokens."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from api.models.base import UTCDateTime, new_id


def _utc(nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


def _owner_fk(target: str, index: bool = True) -> Column[str]:
    return Column(String(36), ForeignKey(target, ondelete="CASCADE"), nullable=False, index=index)


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    email: str = Field(max_length=320, unique=True)
    email_verified: bool = False
    password_hash: str = Field(max_length=255)
    display_name: str = Field(max_length=80)
    timezone: str = Field(max_length=64)
    locale: str = Field(max_length=35)
    reminder_time: str | None = Field(default=None, max_length=5)
    is_admin: bool = False
    # Whether the partner may nudge this person, and whether this person's monthly pulse is
    # shown to the partner (only when both share: api/services/rituals/pulses.py).
    nudges: bool = True
    share_pulse: bool = False
    created_at: datetime = Field(sa_column=_utc())
    # The change counter of the user's solo data (see Couple.head_seq).
    head_seq: int = 0
    # The couple the user is in now; a user is in at most one couple at a time.
    couple_id: str | None = Field(
        default=None,
        sa_column=Column(
            String(36), ForeignKey("couple.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )


class AuthSession(SQLModel, table=True):
    """One login: the family of refresh tokens descended from it."""

    __tablename__ = "auth_session"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(sa_column=_owner_fk("user_account.id"))
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())
    revoked_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_token"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    session_id: str = Field(sa_column=_owner_fk("auth_session.id"))
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())
    spent_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class MailToken(SQLModel, table=True):
    """A single-use token sent by mail: a password reset or an email verification."""

    __tablename__ = "mail_token"
    __table_args__ = (Index("ix_mail_token_user_id_purpose", "user_id", "purpose"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(sa_column=_owner_fk("user_account.id", index=False))
    purpose: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())
    used_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
