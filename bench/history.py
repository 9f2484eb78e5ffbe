"""A realistic history, generated: couples (and some people on their own) who have answered
most days for months, with the comments, reactions and check-ins that come with it.

Rows come out in batches, table by table in foreign-key order, so a large data set is
written without ever being held in memory at once. The same seed gives the same data.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from api.content.catalog import Catalog, ExerciseEntry
from api.kernel.days import DEFAULT_DAY_START, local_day
from bench import rows
from bench.rows import EMOJIS, TEXTS, TIMEZONES, Row

PASSWORD = "bench password: correct horse battery"
# (both answered, one answered): most past days were revealed; today is still under way.
DAY_ODDS = {False: (0.75, 0.15), True: (0.3, 0.35)}
# The order rows must be written in, for the foreign keys.
TABLE_ORDER = (
    "couple",
    "user_account",
    "couple_member",
    "auth_session",
    "assignment",
    "answer",
    "reaction",
    "comment",
    "checkin",
)
# Rows that sync serves: each carries its space and the seq of its latest change there.
SYNCED = frozenset({"couple", "assignment", "answer", "comment", "reaction", "checkin"})
_ROWS_PER_BATCH = 40_000


@dataclass(frozen=True)
class Cohort:
    """People with the same length of history: couples, or people on their own."""

    name: str  # their emails start with it
    count: int
    days: int
    linked: bool = True


@dataclass(frozen=True)
class Member:
    """A seeded person the load acts as."""

    user_id: str
    email: str
    session_id: str
    cohort: str
    # Their change stream for sync and how many changes it holds (its head seq).
    space: str
    changes: int
    # An extra assignment of today, which the answer load writes to (so that load leaves the
    # state the other endpoints read as it was), and two different valid answers to it.
    extra_id: str
    answers: tuple[Row, Row]


@dataclass
class Batch:
    tables: dict[str, list[Row]] = field(default_factory=dict)
    members: list[Member] = field(default_factory=list)
    _unstamped: list[Row] = field(default_factory=list)

    def add(self, table: str, row: Row) -> Row:
        self.tables.setdefault(table, []).append(row)
        if table in SYNCED:
            self._unstamped.append(row)
        return row

    def stamp(self, space: str, owner: Row) -> int:
        """Give the rows added since the last stamp their places in `space`'s change stream,
        oldest change first, as if each had been written through the API; `owner` (the
        couple, or the solo user) holds the stream's head, which is returned."""
        stamped = sorted(self._unstamped, key=_changed_at)
        for seq, row in enumerate(stamped, 1):
            row["change_seq"], row["space"] = seq, space
        owner["head_seq"] = len(stamped)
        self._unstamped.clear()
        return len(stamped)


def _changed_at(row: Row) -> datetime:
    stamps = ("linked_at", "created_at", "updated_at", "revealed_at")
    latest: datetime = max(row[name] for name in stamps if row.get(name) is not None)
    return latest


@dataclass(frozen=True)
class _Person:
    user_id: str
    session_id: str
    email: str
    row: Row


class History:
    def __init__(self, catalog: Catalog, *, now: datetime, password_hash: str) -> None:
        self._exercises = catalog.exercises(themes=set(catalog.everyday_theme_slugs()))
        self._now, self._hash = now, password_hash
        self._rng = random.Random(7)

    def batches(self, cohorts: list[Cohort]) -> Iterator[Batch]:
        for cohort in cohorts:
            size = max(1, _ROWS_PER_BATCH // (cohort.days * 10))
            for first in range(0, cohort.count, size):
                batch = Batch()
                for number in range(first, min(first + size, cohort.count)):
                    (self._couple if cohort.linked else self._solo)(batch, cohort, number)
                yield batch

    def _id(self) -> str:
        return rows.new_id(self._rng)

    def _couple(self, batch: Batch, cohort: Cohort, number: int) -> None:
        zone = TIMEZONES[number % len(TIMEZONES)]
        couple_id = self._id()
        linked = self._now - timedelta(days=cohort.days + self._rng.randint(1, 300))
        couple = batch.add("couple", rows.couple_row(couple_id, zone, linked))
        people = [
            self._person(batch, f"{cohort.name}{number}-{side}", zone, couple_id, cohort.days)
            for side in "ab"
        ]
        for person in people:
            batch.add("couple_member", {"couple_id": couple_id, "user_id": person.user_id})
        today = local_day(zone, DEFAULT_DAY_START, self._now)
        user_ids = [person.user_id for person in people]
        for day, exercise in self._schedule(today, cohort.days):
            assignment = batch.add(
                "assignment",
                rows.assignment_row(self._id(), exercise, day, zone, (couple_id, None)),
            )
            # Mid-day: some have answered today already, some have not opened the app yet.
            self._answered_day(batch, assignment, exercise, user_ids, *DAY_ODDS[day == today])
            if day != today:
                for user_id in user_ids:
                    self._checkin(batch, user_id, couple_id, day, assignment["created_at"])
        extra = self._extra(batch, today, zone, (couple_id, None))
        head = batch.stamp(f"c:{couple_id}", couple)
        for person in people:
            self._member(batch, person, cohort, f"c:{couple_id}", head, extra)

    def _solo(self, batch: Batch, cohort: Cohort, number: int) -> None:
        zone = TIMEZONES[number % len(TIMEZONES)]
        person = self._person(batch, f"{cohort.name}{number}", zone, None, cohort.days)
        today = local_day(zone, DEFAULT_DAY_START, self._now)
        for day, exercise in self._schedule(today, cohort.days):
            assignment = batch.add(
                "assignment",
                rows.assignment_row(self._id(), exercise, day, zone, (None, person.user_id)),
            )
            if self._rng.random() < (0.5 if day == today else 0.7):
                self._answer(batch, assignment, exercise, person.user_id)
        extra = self._extra(batch, today, zone, (None, person.user_id))
        head = batch.stamp(f"u:{person.user_id}", person.row)
        self._member(batch, person, cohort, f"u:{person.user_id}", head, extra)

    def _extra(
        self, batch: Batch, today: date, zone: str, owner: tuple[str | None, str | None]
    ) -> tuple[Row, ExerciseEntry]:
        """An extra exercise they chose today."""
        exercise = self._rng.choice(self._exercises)
        row = rows.assignment_row(self._id(), exercise, today, zone, owner, kind="extra")
        return batch.add("assignment", row), exercise

    def _member(
        self,
        batch: Batch,
        person: _Person,
        cohort: Cohort,
        space: str,
        head: int,
        extra: tuple[Row, ExerciseEntry],
    ) -> None:
        assignment, exercise = extra
        spec = exercise.current.spec
        first = rows.answer_content(spec, self._rng)
        others = (rows.answer_content(spec, self._rng) for _ in range(20))
        second = next((content for content in others if content != first), first)
        batch.members.append(
            Member(
                person.user_id,
                person.email,
                person.session_id,
                cohort.name,
                space,
                head,
                assignment["id"],
                (first, second),
            )
        )

    def _schedule(self, today: date, days: int) -> Iterator[tuple[date, ExerciseEntry]]:
        order = self._rng.sample(self._exercises, len(self._exercises))
        for back in range(days - 1, -1, -1):
            yield today - timedelta(days=back), order[back % len(order)]

    def _person(
        self, batch: Batch, name: str, zone: str, couple_id: str | None, days: int
    ) -> _Person:
        """A user with one live login session."""
        user_id, session_id, email = self._id(), self._id(), f"{name}@bench.attune.invalid"
        joined = self._now - timedelta(days=days + 400)
        row = batch.add(
            "user_account", rows.user_row(user_id, email, zone, couple_id, self._hash, joined)
        )
        batch.add("auth_session", rows.session_row(session_id, user_id, self._now))
        return _Person(user_id, session_id, email, row)

    def _answered_day(
        self,
        batch: Batch,
        assignment: Row,
        exercise: ExerciseEntry,
        user_ids: list[str],
        both: float,
        one: float,
    ) -> None:
        roll = self._rng.random()
        answering = user_ids if roll < both else user_ids[:1] if roll < both + one else []
        answers = [self._answer(batch, assignment, exercise, user_id) for user_id in answering]
        if len(answers) < 2:
            return
        revealed = max(answer["updated_at"] for answer in answers)
        assignment["revealed_at"] = revealed
        if self._rng.random() < 0.3:
            emoji, at = self._rng.choice(EMOJIS), revealed + timedelta(minutes=5)
            batch.add("reaction", rows.reaction_row(answers[0], user_ids[1], emoji, at))
        if self._rng.random() < 0.2:
            author, body = self._rng.choice(user_ids), self._rng.choice(TEXTS)
            at = revealed + timedelta(minutes=10)
            batch.add("comment", rows.comment_row(self._id(), assignment, author, body, at))

    def _answer(self, batch: Batch, assignment: Row, exercise: ExerciseEntry, user_id: str) -> Row:
        at = assignment["created_at"] + timedelta(hours=self._rng.uniform(1, 14))
        content = rows.answer_content(exercise.current.spec, self._rng)
        return batch.add("answer", rows.answer_row(self._id(), assignment, user_id, content, at))

    def _checkin(self, batch: Batch, user_id: str, couple_id: str, day: date, at: datetime) -> None:
        if self._rng.random() < 0.5:
            mood = self._rng.randint(1, 5)
            row = rows.checkin_row(self._id(), user_id, couple_id, day, mood, at)
            batch.add("checkin", row)
