"""Daily delivery: which exercise a couple (or a solo user) gets on a local day, made once.

The day's assignment is looked up by its `day_key`; the first request of a day creates it in
a short write transaction of its own (INSERT ... ON CONFLICT DO NOTHING on the unique key),
so both partners asking in the same instant get the one assignment. The choice is a pure
function of the couple, the date and their history, so a lost race chooses the same.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from api.content.catalog import Catalog, ExerciseEntry, JourneyEntry
from api.db import Database
from api.errors import ServiceUnavailable
from api.models import Answer, Assignment, Couple, User
from api.models.base import new_id
from api.services import changes
from api.services.days import DEFAULT_DAY_START, local_day


class Kind:
    daily = "daily"
    journey = "journey"
    extra = "extra"
    solo = "solo"


@dataclass(frozen=True)
class Owner:
    """Whose day it is: a couple, or a user on their own."""

    couple: Couple | None
    user: User

    @property
    def space(self) -> str:
        """Names the owner: the change stream its data belongs to (api/services/changes.py)."""
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
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.execute(insert(Assignment).values(**values).on_conflict_do_nothing())
    return db.exec(select(Assignment).where(Assignment.day_key == day_key)).one()


def _choose(db: Session, catalog: Catalog, owner: Owner, day: date) -> tuple[ExerciseEntry, str]:
    couple = owner.couple
    if couple is not None and couple.journey_slug:
        journey = catalog.journey(couple.journey_slug)
        step = journey_step(db, couple) if journey else None
        if journey is not None and step is not None and step < len(journey.days):
            exercise = catalog.exercise(journey.days[step])
            if exercise is not None:
                return exercise, Kind.journey
        couple.journey_slug = None  # finished (or gone): back to the focus themes
        changes.stamp(db, owner.space, couple)
    themes = (couple.focus_themes if couple else []) or catalog.everyday_theme_slugs()
    seed = _seed(owner.space, day)
    return choose_daily_exercise(catalog, themes, _last_seen(db, owner), seed), (
        Kind.daily if couple else Kind.solo
    )


def choose_daily_exercise(
    catalog: Catalog, themes: list[str], last_seen: dict[str, date], seed: int
) -> ExerciseEntry:
    """A theme picked by the seed, then an exercise of it this owner never had; when the
    theme has run out, one of those unseen the longest comes back."""
    offered = sorted(t for t in themes if catalog.exercise_count(t) > 0)
    if not offered:
        offered = sorted(t for t in catalog.everyday_theme_slugs() if catalog.exercise_count(t))
    if not offered:
        raise ServiceUnavailable("No exercises are loaded yet; run `python -m api load-content`.")
    theme = offered[seed % len(offered)]
    pool = catalog.exercises(themes={theme})
    unseen = [entry for entry in pool if entry.id not in last_seen]
    if not unseen:
        oldest = min(last_seen[entry.id] for entry in pool)
        unseen = [entry for entry in pool if last_seen[entry.id] == oldest]
    return unseen[(seed // len(offered)) % len(unseen)]


def journey_step(db: Session, couple: Couple) -> int:
    """How many days of the couple's current journey have been given so far."""
    given = db.exec(
        select(func.count())
        .select_from(Assignment)
        .where(
            Assignment.couple_id == couple.id,
            Assignment.kind == Kind.journey,
            col(Assignment.created_at) >= couple.journey_started_at,
        )
    ).one()
    return int(given)


def journey_of(catalog: Catalog, couple: Couple) -> JourneyEntry | None:
    return catalog.journey(couple.journey_slug) if couple.journey_slug else None


def _last_seen(db: Session, owner: Owner) -> dict[str, date]:
    owned = (
        Assignment.couple_id == owner.couple.id
        if owner.couple
        else Assignment.solo_user_id == owner.user.id
    )
    rows = db.exec(
        select(Assignment.exercise_id, func.max(Assignment.local_date))
        .where(owned)
        .group_by(col(Assignment.exercise_id))
    ).all()
    return dict(rows)


def _seed(owner_key: str, day: date) -> int:
    digest = hashlib.sha256(f"{owner_key}:{day.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big")
