"""Mails to an account's address (password reset, email verification), through the outbox.

A request that asks for one enqueues it in its own transaction, so a mail server that is
down loses nothing: the mail waits and is retried like any notification. Its single-use
token is made only when the mail is composed for sending, and only its hash is stored: the
outbox never holds a working token, and each attempt's mail carries a fresh one (which
retires any unused token mailed before it).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from api.kernel.config import Settings
from api.models import Notification, NotificationKind, User
from api.models.base import new_id
from api.services.accounts import mail_tokens
from api.services.accounts.mail_tokens import Purpose
from api.services.notifications.notices import Notice, enqueue

PURPOSES = {
    NotificationKind.password_reset_mail: Purpose.password_reset,
    NotificationKind.verification_mail: Purpose.email_verification,
}
KINDS = {purpose: kind for kind, purpose in PURPOSES.items()}


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class MailPolicy:
    reset_ttl: timedelta
    verification_ttl: timedelta
    link_base: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "MailPolicy":
        return cls(
            reset_ttl=timedelta(minutes=settings.password_reset_ttl_minutes),
            verification_ttl=timedelta(hours=settings.email_verification_ttl_hours),
            link_base=settings.app_link_base,
        )


def is_mail(notification: Notification) -> bool:
    return notification.kind in PURPOSES


def enqueue_mail(db: Session, user: User, purpose: Purpose, now: datetime) -> str:
    """Queue a mail for `user`; its dedupe key, by which the request tries it at once."""
    # Every request is a mail of its own (rate limits bound how many).
    notice = Notice(f"mail:{new_id()}", user.id, KINDS[purpose], None, {})
    enqueue(db, [notice], now)
    return notice.dedupe_key


def compose(
    db: Session, notification: Notification, policy: MailPolicy, now: datetime
) -> Mail | None:
    """The mail to send now, with a new token; None when there is nothing left to say (the
    address was verified meanwhile)."""
    user = db.get_one(User, notification.recipient_user_id)
    purpose = PURPOSES[NotificationKind(notification.kind)]
    if purpose is Purpose.email_verification:
        if user.email_verified:
            return None
        token = mail_tokens.issue_mail_token(db, user.id, purpose, now, policy.verification_ttl)
        return Mail(
            to=user.email,
            subject="Confirm your email for Attune",
            body=(
                f"Hi {user.display_name},\n\nPlease confirm this is your email address:\n\n"
                f"{policy.link_base}/verify-email#token={token}\n\nor enter this code in the "
                f"app:\n\n{token}\n"
            ),
        )
    token = mail_tokens.issue_mail_token(db, user.id, purpose, now, policy.reset_ttl)
    minutes = int(policy.reset_ttl.total_seconds() // 60)
    return Mail(
        to=user.email,
        subject="Reset your Attune password",
        body=(
            f"Hi {user.display_name},\n\nSomeone asked to reset your Attune password. "
            f"If it was you, open this link within {minutes} minutes:\n\n"
            f"{policy.link_base}/reset-password#token={token}\n\nor enter this code in the "
            f"app:\n\n{token}\n\nA new password signs you out on every device and revokes "
            "every API token you made: anything you connected to Attune will need a new one."
            "\n\nIf it wasn't you, ignore this mail; your password stays as it is.\n"
        ),
    )
