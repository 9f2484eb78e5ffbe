"""The gentle nudge: one partner reminds the other that today's exercise waits.

At most once per couple day, only when the caller has answered the day's exercise and the
partner has not, never to a partner who turned nudges off. Each refusal has its own problem
type, and none says more than the caller may know: the "nudges off" one is checked first,
so it reveals nothing about the partner's day.
"""

from datetime import datetime, timedelta

from sqlmodel import Session, select

from api.kernel import changes
from api.kernel.days import day_start
from api.kernel.errors import Conflict
from api.models import Answer, Assignment, Nudge, User
from api.services.couples import linking
from api.services.notifications import notices
from api.services.rituals import pauses


class NudgesOff(Conflict):
    slug = "nudges-off"

    def __init__(self) -> None:
        super().__init__("Your partner has turned nudges off.")


class AlreadyNudged(Conflict):
    slug = "already-nudged"

    def __init__(self, next_nudge_at: datetime) -> None:
        super().__init__(
            "A nudge already went today; the next one can go when your next day begins.",
            extra={"next_nudge_at": next_nudge_at.isoformat().replace("+00:00", "Z")},
        )


class NotAnsweredYet(Conflict):
    slug = "answer-first"

    def __init__(self) -> None:
        super().__init__("Answer today's exercise first; then you can send a nudge.")


class PartnerAnswered(Conflict):
    slug = "partner-answered"

    def __init__(self) -> None:
        super().__init__("Today's exercise is answered on both sides: no nudge needed.")


def nudge(db: Session, user: User, now: datetime) -> datetime:
    """Send today's nudge; when the next one may go."""
    couple = linking.current_couple(db, user)
    space = changes.couple_space(couple.id)
    changes.lock(db, space)  # one nudge a day, however many taps at once
    partner = linking.partner_of(db, couple, user)
    if not partner.nudges:
        raise NudgesOff()
    pauses.check_not_paused(couple, now)
    day = pauses.couple_day(couple, now)
    next_at = day_start(couple.timezone, couple.day_starts_at, day + timedelta(days=1))
    sent = select(Nudge.id).where(Nudge.couple_id == couple.id, Nudge.local_date == day)
    if db.exec(sent).first() is not None:
        raise AlreadyNudged(next_at)
    answered = set(
        db.exec(
            select(Answer.user_id)
            .join(Assignment)
            .where(Assignment.day_key == f"{space}:{day.isoformat()}")
        )
    )
    if user.id not in answered:
        raise NotAnsweredYet()
    if partner.id in answered:
        raise PartnerAnswered()
    db.add(Nudge(couple_id=couple.id, sender_id=user.id, local_date=day, created_at=now))
    notices.enqueue_partner_nudged(db, couple, user, partner, day, now)
    db.flush()
    return next_at


def nudges_by(db: Session, user: User) -> list[Nudge]:
    return list(db.exec(select(Nudge).where(Nudge.sender_id == user.id)))
