"""What goes into the notification outbox (api/worker.py delivers it).

Each enqueue runs inside the write transaction of the change it is about, so a rollback
enqueues nothing, and inserts with ON CONFLICT (dedupe_key) DO NOTHING, so enqueueing one
event twice (a retried request, a replayed mutation) still makes one notification. A
payload says who did what and where to look, never what anyone wrote: the app pulls the
content, under the reveal rule, once it opens.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from api.kernel.db import dialect_insert
from api.models import (
    Appreciation,
    Assignment,
    Comment,
    Couple,
    Notification,
    NotificationKind,
    Pause,
    User,
)
from api.models.base import new_id
from api.schemas.assignment import AssignmentKind

# Where the actor's name goes in a title, filled in at send time (`titled`).
PARTNER = "{partner}"
# An actor whose account is gone: the notification still makes sense.
UNNAMED_PARTNER = "Your partner"


@dataclass(frozen=True)
class Notice:
    """One notification to enqueue; `dedupe_key` names the event it is about."""

    dedupe_key: str
    recipient_user_id: str
    kind: NotificationKind
    couple_id: str | None
    payload: dict[str, object]
    actor_user_id: str | None = None


def enqueue(db: Session, notices: Sequence[Notice], now: datetime) -> None:
    if not notices:
        return
    rows = [
        {
            "id": new_id(),
            "dedupe_key": notice.dedupe_key,
            "recipient_user_id": notice.recipient_user_id,
            "kind": notice.kind.value,
            "couple_id": notice.couple_id,
            "actor_user_id": notice.actor_user_id,
            "payload": notice.payload,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for notice in notices
    ]
    insert = dialect_insert(db, Notification).values(rows)
    db.execute(insert.on_conflict_do_nothing(index_elements=["dedupe_key"]))


def enqueue_partner_answered(
    db: Session, assignment: Assignment, author: User, partner: User, now: datetime
) -> None:
    what = "an exercise" if assignment.kind == AssignmentKind.extra else "today's exercise"
    notice = Notice(
        # Once per person and assignment: edits and re-answers notify nobody again.
        dedupe_key=f"answered:{assignment.id}:{author.id}",
        recipient_user_id=partner.id,
        kind=NotificationKind.partner_answered,
        couple_id=assignment.couple_id,
        payload={"title": f"{PARTNER} answered {what}", "assignment_id": assignment.id},
        actor_user_id=author.id,
    )
    enqueue(db, [notice], now)


def enqueue_partner_commented(
    db: Session, comment: Comment, author: User, partner: User, now: datetime
) -> None:
    notice = Notice(
        dedupe_key=f"comment:{comment.id}",
        recipient_user_id=partner.id,
        kind=NotificationKind.partner_commented,
        couple_id=author.couple_id,
        payload={
            "title": f"{PARTNER} commented on your answers",
            "assignment_id": comment.assignment_id,
            "comment_id": comment.id,
        },
        actor_user_id=author.id,
    )
    enqueue(db, [notice], now)


def enqueue_partner_unlinked(
    db: Session, couple: Couple, former_partner: User, by_user: User, now: datetime
) -> None:
    # The couple, not the people, names the event: linking again makes a new couple.
    notice = Notice(
        dedupe_key=f"unlinked:{couple.id}:{former_partner.id}",
        recipient_user_id=former_partner.id,
        kind=NotificationKind.partner_unlinked,
        couple_id=couple.id,
        payload={"title": f"{PARTNER} ended your link on Attune"},
        actor_user_id=by_user.id,
    )
    enqueue(db, [notice], now)


def enqueue_partner_appreciated(
    db: Session, appreciation: Appreciation, author: User, partner: User, now: datetime
) -> None:
    # Never the note itself: the app shows it once opened.
    notice = Notice(
        dedupe_key=f"appreciation:{appreciation.id}",
        recipient_user_id=partner.id,
        kind=NotificationKind.partner_appreciated,
        couple_id=appreciation.couple_id,
        payload={
            "title": f"{PARTNER} sent you an appreciation",
            "appreciation_id": appreciation.id,
        },
        actor_user_id=author.id,
    )
    enqueue(db, [notice], now)


def enqueue_partner_nudged(
    db: Session, couple: Couple, sender: User, partner: User, day: date, now: datetime
) -> None:
    # Neutral on purpose: it never says who has answered and who has not.
    notice = Notice(
        dedupe_key=f"nudge:{couple.id}:{day.isoformat()}",
        recipient_user_id=partner.id,
        kind=NotificationKind.partner_nudged,
        couple_id=couple.id,
        payload={
            "title": f"{PARTNER} is thinking of you: today's exercise is waiting",
            "local_date": day.isoformat(),
        },
        actor_user_id=sender.id,
    )
    enqueue(db, [notice], now)


def enqueue_pause_changed(
    db: Session,
    pause: Pause,
    couple: Couple,
    by_user: User,
    partner: User,
    *,
    paused: bool,
    now: datetime,
) -> None:
    """The partner is told of a pause, a change of it, or the resumption: `couple` was just
    stamped with the change."""
    kind = NotificationKind.couple_paused if paused else NotificationKind.couple_resumed
    title = (
        f"{PARTNER} paused your dailies until {pause.until.isoformat()}"
        if paused
        else f"{PARTNER} resumed your dailies"
    )
    notice = Notice(
        # Each change of the pause is an event of its own, however close to the last: the
        # couple's seq names it, so the same change enqueued twice is one notification.
        dedupe_key=f"pause:{pause.id}:{couple.change_seq}",
        recipient_user_id=partner.id,
        kind=kind,
        couple_id=pause.couple_id,
        payload={"title": title, "until": pause.until.isoformat()},
        actor_user_id=by_user.id,
    )
    enqueue(db, [notice], now)


def daily_reminder(user_id: str, couple_id: str | None, local_date: date) -> Notice:
    """Today's exercise still waits for `user_id`; one per user and local date."""
    return Notice(
        dedupe_key=f"reminder:{user_id}:{local_date.isoformat()}",
        recipient_user_id=user_id,
        kind=NotificationKind.daily_reminder,
        couple_id=couple_id,
        payload={"title": "Today's exercise is waiting for you", "local_date": str(local_date)},
    )


def actor_names(db: Session, notifications: Sequence[Notification]) -> dict[str, str]:
    """The display names of the people the notifications are about, as they are now."""
    ids = {n.actor_user_id for n in notifications if n.actor_user_id is not None}
    if not ids:
        return {}
    rows = db.exec(select(User.id, User.display_name).where(col(User.id).in_(ids)))
    return dict(rows.all())


def titled(notification: Notification, names: dict[str, str]) -> dict[str, object]:
    """The payload to send, its title naming the actor by their current name."""
    title = notification.payload.get("title")
    if not isinstance(title, str):
        return dict(notification.payload)
    name = names.get(notification.actor_user_id or "", UNNAMED_PARTNER)
    return {**notification.payload, "title": title.replace(PARTNER, name)}
