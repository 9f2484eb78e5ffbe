"""The rows of a seeded history, one builder per table, each as the API would have written it."""

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from api.content.catalog import ExerciseEntry
from api.content.schema import (
    ChoiceExercise,
    ExerciseSpec,
    GuessExercise,
    OpenExercise,
    ScaleExercise,
)
from api.kernel.days import DEFAULT_DAY_START

Row = dict[str, Any]
TIMEZONES = (
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)
TEXTS = (
    "When you made coffee for me before my early shift.",
    "I felt closest to you on the walk home last Sunday.",
    "Honestly, I worry we don't talk enough when work gets busy.",
    "Laughing at the terrible film we picked on Friday.",
    "I'd like us to plan one evening a week with no phones.",
)
EMOJIS = ("❤️", "😂", "🙏", "🥹", "👍")


def new_id(rng: random.Random) -> str:
    """A version-4 UUID from the seeded generator, so the same seed gives the same data."""
    digits = f"{rng.getrandbits(128):032x}"
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-a{digits[17:20]}-{digits[20:]}"


def couple_row(couple_id: str, zone: str, linked_at: datetime) -> Row:
    return {
        "id": couple_id,
        "linked_at": linked_at,
        "ended_at": None,
        "timezone": zone,
        "day_starts_at": DEFAULT_DAY_START,
        "focus_themes": [],
        "journey_slug": None,
        "journey_started_at": None,
    }


def user_row(
    user_id: str, email: str, zone: str, couple_id: str | None, password_hash: str, at: datetime
) -> Row:
    return {
        "id": user_id,
        "email": email,
        "email_verified": True,
        "password_hash": password_hash,
        "display_name": email.split("@")[0].title(),
        "timezone": zone,
        "locale": "en",
        "reminder_time": "20:30",
        "is_admin": False,
        "created_at": at,
        "couple_id": couple_id,
    }


def session_row(session_id: str, user_id: str, now: datetime) -> Row:
    """A live login, as after signing in yesterday."""
    return {
        "id": session_id,
        "user_id": user_id,
        "created_at": now - timedelta(days=1),
        "expires_at": now + timedelta(days=89),
        "revoked_at": None,
    }


def assignment_row(
    assignment_id: str,
    exercise: ExerciseEntry,
    day: date,
    zone: str,
    owner: tuple[str | None, str | None],
    kind: str | None = None,
) -> Row:
    """The day's own assignment of a couple or solo user (`owner`: couple id, solo user id),
    or with `kind` an extra one, which has no day key."""
    couple_id, solo_user_id = owner
    space = f"c:{couple_id}" if couple_id else f"u:{solo_user_id}"
    return {
        "id": assignment_id,
        "couple_id": couple_id,
        "solo_user_id": solo_user_id,
        "kind": kind or ("daily" if couple_id else "solo"),
        "exercise_id": exercise.id,
        "exercise_version": exercise.current.version,
        "local_date": day,
        "day_key": None if kind else f"{space}:{day.isoformat()}",
        "created_at": datetime.combine(day, time(8), ZoneInfo(zone)).astimezone(UTC),
        "revealed_at": None,
    }


def answer_row(answer_id: str, assignment: Row, user_id: str, content: Row, at: datetime) -> Row:
    return {
        "id": answer_id,
        "assignment_id": assignment["id"],
        "user_id": user_id,
        "content": content,
        "version": 1,
        "created_at": at,
        "updated_at": at,
        "edited_at": None,
    }


def reaction_row(answer: Row, user_id: str, emoji: str, at: datetime) -> Row:
    return {"answer_id": answer["id"], "user_id": user_id, "emoji": emoji, "created_at": at}


def comment_row(comment_id: str, assignment: Row, user_id: str, body: str, at: datetime) -> Row:
    return {
        "id": comment_id,
        "assignment_id": assignment["id"],
        "user_id": user_id,
        "body": body,
        "created_at": at,
    }


def checkin_row(
    checkin_id: str, user_id: str, couple_id: str, day: date, mood: int, at: datetime
) -> Row:
    return {
        "id": checkin_id,
        "user_id": user_id,
        "couple_id": couple_id,
        "local_date": day,
        "mood": mood,
        "note": None,
        "created_at": at,
        "updated_at": at,
    }


def answer_content(spec: ExerciseSpec, rng: random.Random) -> Row:
    """A valid answer to the exercise, as a client would send it."""
    if isinstance(spec, OpenExercise):
        return {"type": "open", "text": rng.choice(TEXTS)[: spec.max_length]}
    if isinstance(spec, ChoiceExercise):
        return {"type": "choice", "choices": [rng.choice(spec.options).id]}
    if isinstance(spec, ScaleExercise):
        return {"type": "scale", "value": rng.randint(spec.min, spec.max)}
    if isinstance(spec, GuessExercise):
        pick, guess = rng.choice(spec.options).id, rng.choice(spec.options).id
        return {"type": "guess", "pick": pick, "guess": guess}
    return {"type": "activity", "done": True, "rating": rng.randint(1, 5)}
