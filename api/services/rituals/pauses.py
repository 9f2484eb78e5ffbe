"""The pause: a run of couple days with no daily and no reminder, for illness, travel or a
hard season, in which the streak neither grows nor breaks (SPEC.md §5).

Either partner may pause and resume; the other is told. A pause ends at most `MAX_AHEAD`
days ahead, and a couple pauses at most `BUDGET` days in any `WINDOW` days: a pause is a
rest, not a way to keep a streak that nobody lives.
"""

from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from api.kernel import changes
from api.kernel.days import local_day
from api.kernel.errors import Conflict, Unprocessable
from api.models import Couple, Pause, User
from api.services.couples import linking
from api.services.notifications import notices

MAX_AHEAD = 14
BUDGET = 30
WINDOW = 90


class Paused(Conflict):
    slug = "paused"

    def __init__(self, until: date) -> None:
        super().__init__(
            f"You paused your dailies until {until.isoformat()}; resume any time.",
            extra={"paused_until": until.isoformat()},
        )


class PauseBudgetSpent(Conflict):
    slug = "pause-limit"

    def __init__(self, days_left: int) -> None:
        super().__init__(
            f"A couple pauses at most {BUDGET} days in any {WINDOW}; {days_left} paused days "
            "are left for a pause ending then.",
            extra={"days_left": days_left},
        )


def couple_day(couple: Couple, now: datetime) -> date:
    return local_day(couple.timezone, couple.day_starts_at, now)


def pause_on(db: Session, couple_id: str, day: date) -> Pause | None:
    """The couple's pause that covers `day`, if any."""
    return db.exec(
        select(Pause).where(
            Pause.couple_id == couple_id, col(Pause.starts_on) <= day, col(Pause.until) >= day
        )
    ).first()


def check_not_paused(couple: Couple, now: datetime) -> None:
    """A pause always starts on the day it is made, so one that ends today or later covers
    today; the couple row carries its end."""
    until = couple.paused_until
    if until is not None and until >= couple_day(couple, now):
        raise Paused(until)


def paused_days(db: Session, couple_id: str) -> set[date]:
    """Every paused day of the couple: few, by the budget."""
    days: set[date] = set()
    for found in db.exec(select(Pause).where(Pause.couple_id == couple_id)):
        days |= {found.starts_on + timedelta(days=n) for n in range(_length(found))}
    return days


def paused_couples_on(db: Session, couple_days: dict[str, date]) -> set[str]:
    """Which of these couples are paused on their own given day (one query)."""
    if not couple_days:
        return set()
    rows = db.exec(
        select(Pause).where(
            col(Pause.couple_id).in_(couple_days),
            col(Pause.until) >= min(couple_days.values()),
        )
    ).all()
    return {p.couple_id for p in rows if p.starts_on <= couple_days[p.couple_id] <= p.until}


def pause(
    db: Session, user: User, until: date, reason: str | None, now: datetime
) -> tuple[Pause, bool]:
    """Pause the couple's dailies to `until`, or change the current pause: (it, whether new)."""
    couple = linking.current_couple(db, user)
    space = changes.couple_space(couple.id)
    changes.lock(db, space)
    today = couple_day(couple, now)
    if not today <= until <= today + timedelta(days=MAX_AHEAD):
        raise Unprocessable(
            f"`until` must be a couple day from today to {MAX_AHEAD} days ahead.",
            loc=["body", "until"],
        )
    current = pause_on(db, couple.id, today)
    if current is not None and (current.until, current.reason) == (until, reason):
        return current, False  # a PUT sent again (a retry): nothing changes, nobody is told
    starts = current.starts_on if current else today
    _check_budget(db, couple.id, current, starts, until)
    if current is None:
        current = Pause(
            couple_id=couple.id,
            paused_by=user.id,
            starts_on=today,
            until=until,
            created_at=now,
            updated_at=now,
        )
    current.until, current.reason, current.paused_by, current.updated_at = (
        until,
        reason,
        user.id,
        now,
    )
    created = current.change_seq == 0
    couple.paused_until = until
    changes.stamp(db, space, current, couple)
    partner = linking.partner_of(db, couple, user)
    notices.enqueue_pause_changed(db, current, couple, user, partner, paused=True, now=now)
    db.flush()
    return current, created


def resume(db: Session, user: User, now: datetime) -> None:
    """End the current pause: today is a day like any other again. Nothing when not paused."""
    couple = linking.current_couple(db, user)
    space = changes.couple_space(couple.id)
    changes.lock(db, space)
    today = couple_day(couple, now)
    current = pause_on(db, couple.id, today)
    if current is None:
        return
    current.until, current.updated_at = today - timedelta(days=1), now
    couple.paused_until = None
    changes.stamp(db, space, couple)
    partner = linking.partner_of(db, couple, user)
    notices.enqueue_pause_changed(db, current, couple, user, partner, paused=False, now=now)
    if current.until < current.starts_on:  # paused and resumed the same day: no day paused
        changes.bury(db, space, current)
        db.delete(current)
    else:
        changes.stamp(db, space, current)
    db.flush()


def _check_budget(
    db: Session, couple_id: str, current: Pause | None, starts: date, until: date
) -> None:
    """Every other pause ended before this one starts, so the window ending on `until` is
    the fullest that holds this pause: checking it is enough."""
    window_start = until - timedelta(days=WINDOW - 1)
    earlier = db.exec(
        select(Pause).where(Pause.couple_id == couple_id, col(Pause.until) >= window_start)
    ).all()
    used = sum(
        _length(p, since=window_start) for p in earlier if current is None or p.id != current.id
    )
    wanted = (until - max(starts, window_start)).days + 1
    if used + wanted > BUDGET:
        raise PauseBudgetSpent(max(0, BUDGET - used))


def _length(found: Pause, since: date | None = None) -> int:
    first = max(found.starts_on, since) if since else found.starts_on
    return max(0, (found.until - first).days + 1)


def pauses_by(db: Session, user: User) -> list[Pause]:
    return list(
        db.exec(select(Pause).where(Pause.paused_by == user.id).order_by(col(Pause.created_at)))
    )
