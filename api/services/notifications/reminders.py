"""Daily reminders: at a person's `reminder_time`, when today's exercise still waits for them.

A pass covers every user in a fixed number of queries, however many there are: the wall
clock of each time zone in use decides, in SQL, who is past their reminder time and not yet
reminded on their local date; one more query tells which of those already answered their
day's assignment (the couple's, or their solo one).
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, literal, or_
from sqlmodel import Session, col, select

from api.models import Answer, Assignment, Couple, Notification, User
from api.services.assignments.delivery import Owner
from api.services.notifications.notices import daily_reminder, enqueue

# Whose day an assignment is: ("c", couple id) or ("u", solo user id).
OwnerRef = tuple[str, str]
AnsweredKey = tuple[str, OwnerRef, date]


@dataclass(frozen=True)
class _Due:
    owner: Owner
    local_date: date  # the person's own calendar date: it names the reminder
    day: date  # the owner's day: its assignment is the one to answer

    @property
    def answered_key(self) -> AnsweredKey:
        user, couple = self.owner.user, self.owner.couple
        return user.id, _owner_ref(couple.id if couple else None, user.id), self.day


def _owner_ref(couple_id: str | None, solo_user_id: str) -> OwnerRef:
    return ("c", couple_id) if couple_id else ("u", solo_user_id)


def enqueue_due_reminders(db: Session, now: datetime) -> int:
    """Enqueue the reminders due at `now`; how many."""
    due = _past_reminder_time(db, now)
    answered = _answered(db, due)
    notices = [
        daily_reminder(d.owner.user.id, d.owner.user.couple_id, d.local_date)
        for d in due
        if d.answered_key not in answered
    ]
    enqueue(db, notices, now)
    return len(notices)


def _past_reminder_time(db: Session, now: datetime) -> list[_Due]:
    zones = db.exec(
        select(User.timezone).where(col(User.reminder_time).is_not(None)).distinct()
    ).all()
    if not zones:
        return []
    rows = db.exec(
        select(User, Couple)
        .outerjoin(Couple, col(Couple.id) == User.couple_id)
        .where(or_(*(_due_in_zone(zone, now) for zone in zones)))
    ).all()
    owners = [Owner(couple, user) for user, couple in rows]
    return [
        _Due(owner, now.astimezone(ZoneInfo(owner.user.timezone)).date(), owner.day(now))
        for owner in owners
    ]


def _due_in_zone(zone: str, now: datetime) -> ColumnElement[bool]:
    wall = now.astimezone(ZoneInfo(zone))
    # The dedupe key of notifications.daily_reminder, built in SQL.
    key = literal("reminder:") + col(User.id) + literal(f":{wall.date().isoformat()}")
    reminded = exists().where(col(Notification.dedupe_key) == key)
    # "HH:MM" strings compare in time order.
    return and_(
        col(User.timezone) == zone,
        col(User.reminder_time) <= wall.strftime("%H:%M"),
        ~reminded,
    )


def _answered(db: Session, due: list[_Due]) -> set[AnsweredKey]:
    """(user, whose day, day) for each day's own assignment these users answered."""
    if not due:
        return set()
    rows = db.exec(
        select(
            col(Answer.user_id),
            col(Assignment.couple_id),
            col(Assignment.solo_user_id),
            col(Assignment.local_date),
        )
        .join(Assignment, col(Assignment.id) == Answer.assignment_id)
        .where(
            col(Answer.user_id).in_({d.owner.user.id for d in due}),
            col(Assignment.local_date).in_({d.day for d in due}),
            col(Assignment.day_key).is_not(None),  # the day's own, not an extra
        )
    ).all()
    return {
        (user_id, _owner_ref(couple_id, solo_user_id or ""), day)
        for user_id, couple_id, solo_user_id, day in rows
    }
