"""The monthly pulse: five statements scored 1 to 5 about the month (api/content/data/
pulse.yaml), summed up as a score from 0 to 100.

A pulse is private: the partner sees its score only in the couple's trend, only when both
partners share theirs, and only for months both answered (the reveal rule, for the pulse).
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from statistics import mean

import yaml
from sqlmodel import Session, col, select

from api.content.files import DATA_DIR
from api.kernel import changes
from api.kernel.errors import NotFound, Unprocessable
from api.models import Couple, Pulse, User
from api.schemas.ritual import PulseAnswerOut, PulseOut, PulseTrendPoint
from api.services.assignments.delivery import Owner

MIN_SCORE, MAX_SCORE = 1, 5
TREND_MONTHS = 12


@dataclass(frozen=True)
class Question:
    id: str
    statement: str


@cache
def _statements() -> dict[str, tuple[Question, ...]]:
    raw = yaml.safe_load((DATA_DIR / "pulse.yaml").read_text(encoding="utf-8"))
    by_language = {lang: tuple(Question(**q) for q in items) for lang, items in raw.items()}
    ids = {lang: [q.id for q in items] for lang, items in by_language.items()}
    assert all(found == ids["en"] for found in ids.values()), "pulse.yaml: ids differ"
    return by_language


def questions(language: str) -> tuple[str, tuple[Question, ...]]:
    """The statements in `language` where translated, else in English: (language, them)."""
    statements = _statements()
    served = language if language in statements else "en"
    return served, statements[served]


def question_ids() -> list[str]:
    return [q.id for q in _statements()["en"]]


def score_of(answers: dict[str, int]) -> int:
    """0 when every answer is the lowest, 100 when every one is the highest."""
    return round(mean((s - MIN_SCORE) / (MAX_SCORE - MIN_SCORE) * 100 for s in answers.values()))


def check_month(owner: Owner, month: str, now: datetime) -> None:
    if month > owner.day(now).isoformat()[:7]:
        raise Unprocessable("The month has not begun yet.", loc=["path", "month"])


def put_pulse(
    db: Session, owner: Owner, month: str, answers: dict[str, int], now: datetime
) -> tuple[Pulse, bool]:
    """Record the caller's pulse of `month`, replacing an earlier one: (it, whether new)."""
    check_month(owner, month, now)
    if sorted(answers) != sorted(question_ids()):
        expected = ", ".join(question_ids())
        raise Unprocessable(f"Score each statement once: {expected}.", loc=["body", "answers"])
    changes.lock(db, owner.space)
    user = owner.user
    found = db.exec(select(Pulse).where(Pulse.user_id == user.id, Pulse.month == month)).first()
    created = found is None
    if found is None:
        found = Pulse(
            user_id=user.id, month=month, answers={}, score=0, created_at=now, updated_at=now
        )
    ordered = {qid: answers[qid] for qid in question_ids()}
    found.answers, found.score, found.updated_at = ordered, score_of(ordered), now
    found.couple_id = owner.couple.id if owner.couple else None
    changes.stamp(db, owner.space, found)
    db.flush()
    return found, created


def pulse_of(db: Session, user: User, month: str) -> Pulse:
    found = db.exec(select(Pulse).where(Pulse.user_id == user.id, Pulse.month == month)).first()
    if found is None:
        raise NotFound("You have not answered the pulse of this month.")
    return found


def pulse_out(found: Pulse) -> PulseOut:
    return PulseOut(
        month=found.month,
        answers=[PulseAnswerOut(question_id=q, score=s) for q, s in found.answers.items()],
        score=found.score,
        created_at=found.created_at,
        updated_at=found.updated_at,
    )


def trend(db: Session, couple: Couple, viewer: User, partner: User) -> list[PulseTrendPoint]:
    """The viewer's last months answered in this couple, with the partner's score beside
    each only when both share and the partner answered that month too."""
    sharing = viewer.share_pulse and partner.share_pulse
    whose = [viewer.id, partner.id] if sharing else [viewer.id]
    rows = db.exec(
        select(Pulse).where(Pulse.couple_id == couple.id, col(Pulse.user_id).in_(whose))
    ).all()
    mine = {p.month: p.score for p in rows if p.user_id == viewer.id}
    theirs = {p.month: p.score for p in rows if p.user_id == partner.id}
    months = sorted(mine)[-TREND_MONTHS:]
    return [PulseTrendPoint(month=m, score=mine[m], partner_score=theirs.get(m)) for m in months]


def pulses_of(db: Session, user: User) -> list[Pulse]:
    return list(db.exec(select(Pulse).where(Pulse.user_id == user.id).order_by(col(Pulse.month))))
