"""Taking notifications (pushes and mails) out of the outbox: claimed under a lease, then
sent or retried.

Claiming moves a row's `next_attempt_at` to the end of a lease in a short transaction of
its own, so no lock is held while the transport talks to the network and no other worker
takes the row while the lease runs. On PostgreSQL the claim skips rows another worker has
locked (FOR UPDATE SKIP LOCKED), so workers never wait on or take each other's rows; on
SQLite the writer's BEGIN IMMEDIATE lets one claim run at a time.

A worker that dies between sending and marking leaves its rows leased: they are due again
when the lease ends and are sent once more, so a crash costs at most one resend per row
(the transport's `collapse_key` lets devices fold it into the first).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from api.kernel.config import Settings
from api.kernel.db import Database
from api.models import Notification

log = logging.getLogger("api.worker")

# However many attempts are allowed, a retry never waits longer than this.
MAX_BACKOFF = timedelta(hours=6)
# A sent row is kept only while an event may still be enqueued again (a retried request, a
# late replay) and must fold into it; a dead letter as long as an operator may look into it.
SENT_KEPT = timedelta(days=2)
DEAD_LETTER_KEPT = timedelta(days=14)
ERROR_LENGTH = 200


@dataclass(frozen=True)
class RetryPolicy:
    batch_size: int
    lease: timedelta
    max_attempts: int
    first_backoff: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> "RetryPolicy":
        return cls(
            batch_size=settings.notify_batch_size,
            lease=timedelta(seconds=settings.notify_lease_seconds),
            max_attempts=settings.notify_max_attempts,
            first_backoff=timedelta(seconds=settings.notify_backoff_seconds),
        )

    def retry_at(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after `attempts` failed ones: doubling waits, then never."""
        if attempts >= self.max_attempts:
            return None
        doublings = min(attempts - 1, 30)  # past the cap anyway; keeps timedelta in range
        return now + min(self.first_backoff * (1 << doublings), MAX_BACKOFF)


class DeliveryFailed(Exception):
    """The transport did not take the message; the reason is safe to store and log."""


def claim_due(
    db: Session, policy: RetryPolicy, now: datetime, *, dedupe_key: str | None = None
) -> list[Notification]:
    """Take up to a batch of due notifications for this worker (or the one named by
    `dedupe_key`), counting the attempt now: a row that crashes every worker that takes it
    still runs out of attempts."""
    named = () if dedupe_key is None else (col(Notification.dedupe_key) == dedupe_key,)
    due = db.exec(
        select(Notification)
        .where(
            col(Notification.sent_at).is_(None),
            col(Notification.next_attempt_at) <= now,
            col(Notification.attempts) < policy.max_attempts,
            *named,
        )
        .order_by(col(Notification.next_attempt_at), col(Notification.id))
        .limit(policy.batch_size)
        .with_for_update(skip_locked=True)
    ).all()
    for notification in due:
        notification.attempts += 1
        notification.next_attempt_at = now + policy.lease
        db.add(notification)
    db.flush()
    return list(due)


def deliver(
    database: Database,
    notification: Notification,
    send: Callable[[], None],
    policy: RetryPolicy,
    now: Callable[[], datetime],
) -> bool:
    """Send a claimed notification, outside any transaction, then record how it went."""
    error = None
    try:
        send()
    except DeliveryFailed as exc:
        error = str(exc)
        log.warning(
            "notification not delivered",
            extra={"notification_id": notification.id, "kind": notification.kind, "error": error},
        )
    with database.session(write=True) as db:
        if error is None:
            mark_sent(db, notification, now())
        else:
            mark_failed(db, notification, error, policy, now())
        db.commit()
    return error is None


def mark_sent(db: Session, notification: Notification, now: datetime) -> None:
    _settle(db, notification, sent_at=now, next_attempt_at=None, last_error=None)


def mark_failed(
    db: Session, notification: Notification, error: str, policy: RetryPolicy, now: datetime
) -> None:
    """Schedule the next attempt, or give up: the row stays, with the last error, as a dead
    letter (unsent, with no next attempt)."""
    retry_at = policy.retry_at(notification.attempts, now)
    _settle(db, notification, sent_at=None, next_attempt_at=retry_at, last_error=error)


def _settle(
    db: Session,
    notification: Notification,
    *,
    sent_at: datetime | None,
    next_attempt_at: datetime | None,
    last_error: str | None,
) -> None:
    # `sent_at IS NULL`: after a lease ran out and another worker delivered the row too, a
    # late failure report from the first one must not undo that success.
    db.execute(
        update(Notification)
        .where(col(Notification.id) == notification.id, col(Notification.sent_at).is_(None))
        .values(
            sent_at=sent_at,
            next_attempt_at=next_attempt_at,
            last_error=last_error[:ERROR_LENGTH] if last_error else None,
        )
    )


def prune(db: Session, now: datetime) -> int:
    """Delete what delivery no longer needs: sent rows after SENT_KEPT, dead letters after
    DEAD_LETTER_KEPT. Returns how many went."""
    sent_long_ago = col(Notification.sent_at) < now - SENT_KEPT
    dead = col(Notification.sent_at).is_(None) & col(Notification.next_attempt_at).is_(None)
    gone = db.execute(
        delete(Notification).where(
            or_(sent_long_ago, dead & (col(Notification.created_at) < now - DEAD_LETTER_KEPT))
        )
    )
    return int(gone.rowcount)  # type: ignore[attr-defined]
