"""The forgiving streak: consecutive couple days on which both answered the day's exercise,
where one missed day in any seven does not break it (a freeze)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.models import Answer, Assignment
from api.schemas.assignment import AssignmentKind

FREEZE_WINDOW = 7


@dataclass(frozen=True)
class Streak:
    current: int
    longest: int
    freezes_available: int


def completed_days(db: Session, couple_id: str) -> set[date]:
    """The couple's days whose daily or journey assignment both partners answered."""
    rows = db.exec(
        select(col(Assignment.local_date))
        .join(Answer, col(Answer.assignment_id) == Assignment.id)
        .where(
            Assignment.couple_id == couple_id,
            col(Assignment.kind).in_([AssignmentKind.daily, AssignmentKind.journey]),
        )
        .group_by(col(Assignment.local_date))
        .having(func.count(func.distinct(Answer.user_id)) >= 2)
    ).all()
    return set(rows)


def streak(done: set[date], today: date, since: date) -> Streak:
    """Walk the days from `since` to `today`; today not yet done is still in progress."""
    current = longest = 0
    last_freeze: date | None = None
    for day in _days(since, today):
        if day in done:
            current += 1
        elif day == today:
            break
        elif last_freeze is None or (day - last_freeze).days >= FREEZE_WINDOW:
            last_freeze = day  # forgiven: the run goes on
        else:
            current, last_freeze = 0, None
        longest = max(longest, current)
    recent_freeze = last_freeze is not None and (today - last_freeze).days < FREEZE_WINDOW
    return Streak(current=current, longest=longest, freezes_available=0 if recent_freeze else 1)


def _days(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)
