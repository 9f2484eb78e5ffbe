"""Daily delivery: which exercise a couple (or a solo user) gets on a local day, made once.

The day's assignment is looked up by its `day_key`; the first request of a day creates it in
a short write transaction of its own (INSERT ... ON CONFLICT DO NOTHING on the unique key),
so both partners asking in the same instant get the one assignment. The choice is a pure
function of the couple, the date and their history, so a lost race chooses the same.

Deepening (the rule `GET /v1/today` documents, `DEEPENING`): what the couple has answered
together decides how deep the daily may go, and every fifth day is a lighter one.
"""

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, case, func
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from api.content.catalog import Catalog, ExerciseEntry, JourneyEntry
from api.kernel import changes
from api.kernel.days import DEFAULT_DAY_START, local_day
from api.kernel.db import Database, dialect_insert
from api.kernel.errors import ServiceUnavailable
from api.models import Answer, Assignment, Couple, User
from api.models.base import new_id
from api.schemas.assignment import AssignmentKind

# Closeness grows through disclosure that deepens step by step as it is met (Aron et al. 1997;
# SPEC.md §5): deeper exercises open up as the couple answers together.
DEPTH_2_AFTER = 7
DEPTH_3_AFTER = 21
SOLO_DEEPEST = 2  # alone, nobody answers back yet: personal, not deep
LIGHT_DAY_EVERY = 5

DEEPENING = f"""**How deep the daily goes.** Every exercise has a `depth`: 1 light, 2 personal,
3 deep. A new couple starts at depth 1. Depth 2 becomes possible after {DEPTH_2_AFTER} revealed
days (daily or journey assignments both partners answered; extras do not count), depth 3 after
{DEPTH_3_AFTER}. Each day takes, of the depths allowed, the one with the largest share of its
exercises the couple has not had yet (the deeper one on a tie): a newly allowed depth comes
first, and no depth runs out long before the others. Every {LIGHT_DAY_EVERY}th day (a phase of
its own per couple) is a lighter day: depth 1, while any is left. The choice stays
deterministic from the couple and the date, and never repeats an exercise before every one the
couple may get (their focus themes, at the depths allowed) has been given; then the one unseen
the longest comes back. Journey days are the journey's own, at any depth. Solo mode (no
partner yet) stays at depth 1 and 2: depth 2 after {DEPTH_2_AFTER} answered solo days."""


@dataclass(frozen=True)
class History:
    """What an owner has had: when each exercise was last given, and how many days they have
    answered (a couple: together, i.e. revealed; a solo user: at all)."""

    last_seen: dict[str, date]
    answered_days: int


@dataclass(frozen=True)
class Owner:
    """Whose day it is: a couple, or a user on their own."""

    couple: Couple | None
    user: User

    @property
    def space(self) -> str:
        """Names the owner: the change stream its data belongs to (api/kernel/changes.py)."""
        if self.couple is not None:
            return changes.couple_space(self.couple.id)
        return changes.solo_space(self.user.id)

    def day(self, now: datetime) -> date:
        if self.couple is not None:
            return local_day(self.couple.timezone, self.couple.day_starts_at, now)
        return local_day(self.user.timezone, DEFAULT_DAY_START, now)


# Built once, with the values as bound parameters: /v1/today runs them on every request, and
# building a statement (its cache key included) costs SQLAlchemy more than running it.
_DAY_ASSIGNMENT = select(Assignment).where(Assignment.day_key == bindparam("day_key"))
_ANSWERS_OF = select(Answer).where(
    col(Answer.assignment_id).in_(bindparam("assignment_ids", expanding=True))
)


def owner_of(db: Session, user: User) -> Owner:
    couple = db.get(Couple, user.couple_id) if user.couple_id else None
    return Owner(couple=couple, user=user)


def day_assignment(
    db: Session, database: Database, catalog: Catalog, owner: Owner, now: datetime
) -> tuple[Assignment, list[Answer]]:
    """Today's assignment and its answers, creating it on the day's first request."""
    day = owner.day(now)
    day_key = f"{owner.space}:{day.isoformat()}"
    found = db.exec(_DAY_ASSIGNMENT, params={"day_key": day_key}).first()
    if found is not None:
        return found, answers_of(db, [found.id])
    # Its own transaction on the writer: a read transaction cannot safely become a write
    # one on SQLite, and the request's snapshot would not see the row made here.
    with database.session(write=True) as write:
        made = _create_day_assignment(write, catalog, owner, day, day_key, now)
        answers = answers_of(write, [made.id])
        write.commit()
    return made, answers


def answers_of(db: Session, assignment_ids: list[str]) -> list[Answer]:
    if not assignment_ids:
        return []
    return list(db.exec(_ANSWERS_OF, params={"assignment_ids": assignment_ids}).all())


def _create_day_assignment(
    db: Session, catalog: Catalog, owner: Owner, day: date, day_key: str, now: datetime
) -> Assignment:
    # Taking the space's next seq first also locks the couple's row: racing first requests
    # of the day queue here, and the loser's insert below does nothing.
    space = owner.space
    seq = changes.next_seq(db, space)
    couple = db.get(Couple, owner.couple.id) if owner.couple else None
    exercise, kind = _choose(db, catalog, Owner(couple, owner.user), day)
    values = {
        "id": new_id(),
        "couple_id": couple.id if couple else None,
        "solo_user_id": None if couple else owner.user.id,
        "kind": kind,
        "exercise_id": exercise.id,
        "exercise_version": exercise.current.version,
        "local_date": day,
        "day_key": day_key,
        "created_at": now,
        "space": space,
        "change_seq": seq,
    }
    db.execute(dialect_insert(db, Assignment).values(**values).on_conflict_do_nothing())
    return db.exec(select(Assignment).where(Assignment.day_key == day_key)).one()


def _choose(db: Session, catalog: Catalog, owner: Owner, day: date) -> tuple[ExerciseEntry, str]:
    couple = owner.couple
    if couple is not None and couple.journey_slug:
        journey = catalog.journey(couple.journey_slug)
        step = journey_step(db, couple) if journey else None
        if journey is not None and step is not None and step < len(journey.days):
            exercise = catalog.exercise(journey.days[step])
            if exercise is not None:
                return exercise, AssignmentKind.journey
        couple.journey_slug = None  # finished (or gone): back to the focus themes
        changes.stamp(db, owner.space, couple)
    themes = (couple.focus_themes if couple else []) or catalog.everyday_theme_slugs()
    history = _history(db, owner)
    deepest = deepest_depth(history.answered_days, solo=couple is None)
    light = is_light_day(owner.space, day)
    seed = _seed(owner.space, day)
    exercise = choose_daily_exercise(catalog, themes, history.last_seen, seed, deepest, light)
    return exercise, AssignmentKind.daily if couple else AssignmentKind.solo


def deepest_depth(answered_days: int, solo: bool) -> int:
    """How deep the daily may go after this many answered days (see `DEEPENING`)."""
    deepest = 3 if answered_days >= DEPTH_3_AFTER else 2 if answered_days >= DEPTH_2_AFTER else 1
    return min(deepest, SOLO_DEEPEST) if solo else deepest


def is_light_day(owner_space: str, day: date) -> bool:
    """Every `LIGHT_DAY_EVERY`th day, each owner with a phase of its own."""
    return (day.toordinal() + _seed(owner_space)) % LIGHT_DAY_EVERY == 0


def choose_daily_exercise(
    catalog: Catalog,
    themes: list[str],
    last_seen: dict[str, date],
    seed: int,
    deepest: int = 3,
    light: bool = False,
) -> ExerciseEntry:
    """An exercise of the themes, no deeper than `deepest`, that this owner never had: of
    depth 1 on a light day, else of the freshest depth; once all were given, one of those
    unseen the longest comes back."""
    offered = sorted(t for t in themes if catalog.exercise_count(t) > 0)
    if not offered:
        offered = sorted(t for t in catalog.everyday_theme_slugs() if catalog.exercise_count(t))
    if not offered:
        raise ServiceUnavailable("No exercises are loaded yet; run `python -m api load-content`.")
    pool = catalog.exercises(themes=set(offered))
    # Themes with nothing this shallow still offer what they have rather than nothing.
    allowed = [entry for entry in pool if entry.depth <= deepest] or pool
    unseen = [entry for entry in allowed if entry.id not in last_seen]
    if not unseen:
        oldest = min(last_seen[entry.id] for entry in allowed)
        return _pick([entry for entry in allowed if last_seen[entry.id] == oldest], seed)
    lights_left = any(entry.depth == 1 for entry in unseen)
    depth = 1 if light and lights_left else _freshest_depth(allowed, unseen)
    return _pick([entry for entry in unseen if entry.depth == depth], seed)


def _freshest_depth(allowed: Sequence[ExerciseEntry], unseen: Sequence[ExerciseEntry]) -> int:
    """The depth with the largest share of its exercises still unseen, the deeper on a tie:
    a newly allowed depth comes first, and no depth runs out long before the others."""
    total = Counter(entry.depth for entry in allowed)
    left = Counter(entry.depth for entry in unseen)
    return max(left, key=lambda depth: (left[depth] / total[depth], depth))


def _pick(candidates: Sequence[ExerciseEntry], seed: int) -> ExerciseEntry:
    """A theme by the seed, then one of its candidates: the days spread over the themes."""
    themes = sorted({entry.theme for entry in candidates})
    theme = themes[seed % len(themes)]
    of_theme = [entry for entry in candidates if entry.theme == theme]
    return of_theme[(seed // len(themes)) % len(of_theme)]


def journey_step(db: Session, couple: Couple) -> int:
    """How many days of the couple's current journey have been given so far."""
    given = db.exec(
        select(func.count())
        .select_from(Assignment)
        .where(
            Assignment.couple_id == couple.id,
            Assignment.kind == AssignmentKind.journey,
            col(Assignment.created_at) >= couple.journey_started_at,
        )
    ).one()
    return int(given)


def journey_of(catalog: Catalog, couple: Couple) -> JourneyEntry | None:
    return catalog.journey(couple.journey_slug) if couple.journey_slug else None


def _history(db: Session, owner: Owner) -> History:
    """One query over the owner's assignments (by the owner's index on local_date)."""
    answered: Mapped[Any]
    if owner.couple is not None:
        owned = col(Assignment.couple_id) == owner.couple.id
        kinds, answered = (
            [AssignmentKind.daily, AssignmentKind.journey],
            col(Assignment.revealed_at),
        )
    else:
        owned = col(Assignment.solo_user_id) == owner.user.id
        kinds, answered = [AssignmentKind.solo], col(Answer.id)
    # COUNT skips the nulls: unanswered days, and kinds that do not deepen (extras).
    days = func.count(case((col(Assignment.kind).in_(kinds), answered)))
    statement = select(Assignment.exercise_id, func.max(Assignment.local_date), days).where(owned)
    if owner.couple is None:
        # A solo assignment holds only its owner's answer: one row per answered day.
        statement = statement.outerjoin(Answer, col(Answer.assignment_id) == Assignment.id)
    rows = db.exec(statement.group_by(col(Assignment.exercise_id))).all()
    return History(
        last_seen={exercise_id: seen for exercise_id, seen, _ in rows},
        answered_days=sum(answered for _, _, answered in rows),
    )


def _seed(owner_key: str, day: date | None = None) -> int:
    key = owner_key if day is None else f"{owner_key}:{day.isoformat()}"
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big")
