"""A couple's numbers: answered together, streak, themes explored, guesses, check-in trend."""

from collections import defaultdict
from datetime import date, timedelta
from statistics import mean

from sqlmodel import Session, col, select

from api.content.catalog import Catalog
from api.content.schema import ExerciseType
from api.kernel.days import local_day
from api.models import Answer, Assignment, CheckIn, Couple
from api.schemas.answer import GuessContent
from api.schemas.assignment import CheckInTrend, CoupleStatsOut
from api.schemas.couple import StreakOut
from api.services.assignments.answer_rules import guess_is_correct
from api.services.assignments.reveal import CONTENT
from api.services.couples import streaks


def couple_streak(db: Session, couple: Couple, today: date) -> streaks.Streak:
    # The couple's own day of linking, as their days are counted: not the UTC date, which
    # between midnight and the start of their day is a day later.
    since = local_day(couple.timezone, couple.day_starts_at, couple.linked_at)
    return streaks.streak(streaks.completed_days(db, couple.id), today, min(since, today))


def couple_stats(
    db: Session, couple: Couple, member_ids: list[str], catalog: Catalog, today: date
) -> CoupleStatsOut:
    revealed = list(
        db.exec(
            select(Assignment).where(
                Assignment.couple_id == couple.id, col(Assignment.revealed_at).is_not(None)
            )
        )
    )
    themes = {
        entry.theme for a in revealed if (entry := catalog.exercise(a.exercise_id)) is not None
    }
    streak = couple_streak(db, couple, today)
    return CoupleStatsOut(
        answered_together=len(revealed),
        streak=StreakOut(
            current=streak.current,
            longest=streak.longest,
            freezes_available=streak.freezes_available,
        ),
        themes_explored=sorted(themes),
        guess_accuracy=_guess_accuracy(db, revealed, member_ids, catalog),
        checkin_trend=_checkin_trend(db, couple, member_ids, today),
    )


def _guess_accuracy(
    db: Session, revealed: list[Assignment], member_ids: list[str], catalog: Catalog
) -> dict[str, float | None]:
    guess_ids = [
        a.id
        for a in revealed
        if (v := catalog.version(a.exercise_id, a.exercise_version)) is not None
        and v.spec.type == ExerciseType.guess
    ]
    by_assignment: dict[str, dict[str, GuessContent]] = defaultdict(dict)
    if guess_ids:
        for answer in db.exec(select(Answer).where(col(Answer.assignment_id).in_(guess_ids))):
            content = CONTENT.validate_python(answer.content)
            if isinstance(content, GuessContent):
                by_assignment[answer.assignment_id][answer.user_id] = content
    scores: dict[str, list[bool]] = {member: [] for member in member_ids}
    for pair in by_assignment.values():
        for member in member_ids:
            others = [c for who, c in pair.items() if who != member]
            if member in pair and others:
                scores[member].append(guess_is_correct(pair[member], others[0]))
    return {m: (sum(s) / len(s) if s else None) for m, s in scores.items()}


def _checkin_trend(
    db: Session, couple: Couple, member_ids: list[str], today: date
) -> list[CheckInTrend]:
    start = today - timedelta(days=13)
    rows = db.exec(
        select(CheckIn).where(CheckIn.couple_id == couple.id, col(CheckIn.local_date) >= start)
    ).all()
    recent_from = today - timedelta(days=6)
    trend = []
    for member in member_ids:
        mine = [c for c in rows if c.user_id == member]
        last = [c.mood for c in mine if c.local_date >= recent_from]
        before = [c.mood for c in mine if c.local_date < recent_from]
        trend.append(
            CheckInTrend(
                user_id=member,
                last_7_days=round(mean(last), 2) if last else None,
                previous_7_days=round(mean(before), 2) if before else None,
            )
        )
    return trend
