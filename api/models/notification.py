"""Push notifications: the devices that receive them, and the outbox they wait in."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKey, String
from sqlmodel import Field, SQLModel

from api.models.base import UTCDateTime, new_id


class NotificationKind(StrEnum):
    partner_answered = "partner_answered"
    partner_commented = "partner_commented"
    daily_reminder = "daily_reminder"
    partner_unlinked = "partner_unlinked"
    # Mails to the recipient's address, not pushes (api/services/notifications/mails.py).
    password_reset_mail = "password_reset_mail"
    verification_mail = "verification_mail"


class Device(SQLModel, table=True):
    """One app installation of one user. The id is chosen by the app; the push token is
    unique, so a token that shows up on another device moves there."""

    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(
        sa_column=Column(
            String(36),
            ForeignKey("user_account.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    platform: str = Field(max_length=16)
    token: str | None = Field(default=None, max_length=1024, unique=True)
    app_version: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Notification(SQLModel, table=True):
    """A notification to deliver (a push to the recipient's devices, or a mail to their
    address), written in the same transaction as the change it is about.

    `next_attempt_at` is when a worker may next take it: while a worker holds it, the end of
    that worker's lease; null once nothing more will be tried. So a row is pending while
    `next_attempt_at` is set, sent when `sent_at` is, and a dead letter (kept, with
    `last_error`) when neither is. `payload` never carries what anyone wrote, nor a name: its
    `title` says `{partner}` where the actor's name goes at send time. Sent rows are kept two
    days (to fold retried events into one), dead letters fourteen
    (api/services/notifications/outbox.py).
    """

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    # One row per event, however often it is enqueued: e.g. `reminder:<user>:<local date>`.
    dedupe_key: str = Field(max_length=200, unique=True)
    recipient_user_id: str = Field(
        sa_column=Column(
            String(36),
            ForeignKey("user_account.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    kind: str = Field(max_length=32)
    # Who did it: the name is looked up when the notification is sent, never stored, so an
    # erased account leaves no trace here (SET NULL: "Your partner").
    actor_user_id: str | None = Field(
        default=None,
        sa_column=Column(
            String(36),
            ForeignKey("user_account.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
    )
    couple_id: str | None = Field(
        default=None,
        sa_column=Column(String(36), ForeignKey("couple.id", ondelete="SET NULL"), nullable=True),
    )
    payload: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    attempts: int = 0
    next_attempt_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True)
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
