"""Content management: publishing exercise versions, retiring, and editing themes and journeys.

Published versions are never changed: an edit publishes the next version, so an assignment
keeps showing the version it was given. Nothing is deleted, only retired, for the same reason.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from api.content.localization import translation_problems
from api.content.schema import (
    EXERCISE_SPEC,
    ExerciseSpec,
    ExerciseTranslation,
    JourneySpec,
    ThemeSpec,
)
from api.content.versions import has_content, spec_of, translations_of, version_row
from api.kernel.errors import Conflict, NotFound, Unprocessable
from api.models import Exercise, ExerciseVersion, Journey, Theme


def new_exercise(
    theme: str,
    spec: ExerciseSpec,
    translations: Mapping[str, ExerciseTranslation],
    now: datetime,
    source_digest: str | None = None,
) -> tuple[Exercise, ExerciseVersion]:
    """An exercise and its first version, not yet added to a session."""
    exercise = Exercise(
        id=spec.id, theme_slug=theme, current_version=1, source_digest=source_digest
    )
    return exercise, version_row(spec, translations, 1, now)


def publish_version(
    db: Session,
    exercise: Exercise,
    spec: ExerciseSpec,
    translations: Mapping[str, ExerciseTranslation],
    now: datetime,
) -> ExerciseVersion:
    """The exercise's version with this content: the current one when nothing changed, else
    the next one, which becomes current."""
    current = db.get_one(ExerciseVersion, (exercise.id, exercise.current_version))
    if has_content(current, spec, translations):
        return current
    exercise.current_version += 1
    published = version_row(spec, translations, exercise.current_version, now)
    db.add(published)
    return published


def create_exercise(
    db: Session, theme: str, spec: ExerciseSpec, now: datetime
) -> tuple[Exercise, ExerciseVersion]:
    if db.get(Theme, theme) is None:
        raise Unprocessable("No such theme; see GET /v1/themes.", loc=["body", "theme"])
    exercise, first = new_exercise(theme, spec, {}, now)
    _insert_new(db, [exercise, first], "exercise", spec.id)
    return exercise, first


def revise_exercise(
    db: Session, exercise_id: str, changes: Mapping[str, Any], now: datetime
) -> tuple[Exercise, ExerciseVersion]:
    """Publish the exercise with `changes` applied, as its next version.

    Translations that still fit the revised exercise carry over; the others are dropped, so
    that language falls back to English until its locale pack is updated.
    """
    exercise = _locked(db, exercise_id)
    current = db.get_one(ExerciseVersion, (exercise.id, exercise.current_version))
    try:
        revised = EXERCISE_SPEC.validate_python({**spec_of(current).model_dump(), **changes})
    except ValidationError as exc:
        error = exc.errors()[0]  # its loc starts with the type's tag, e.g. "choice"
        raise Unprocessable(error["msg"], loc=["body", *error["loc"][1:]]) from None
    translations = {
        language: texts
        for language, texts in translations_of(current).items()
        if not translation_problems(revised, texts)
    }
    return exercise, publish_version(db, exercise, revised, translations, now)


def retire_exercise(db: Session, exercise_id: str) -> None:
    _locked(db, exercise_id).retired = True


def create_theme(db: Session, spec: ThemeSpec) -> Theme:
    theme = Theme(**spec.model_dump())
    _insert_new(db, [theme], "theme", spec.slug)
    return theme


def update_theme(db: Session, slug: str, changes: dict[str, Any]) -> Theme:
    theme = db.get(Theme, slug)
    if theme is None:
        raise NotFound("No such theme.")
    theme.sqlmodel_update(changes)
    return theme


def create_journey(db: Session, spec: JourneySpec) -> Journey:
    _check_days(db, spec.days)
    journey = Journey(**spec.model_dump())
    _insert_new(db, [journey], "journey", spec.slug)
    return journey


def update_journey(db: Session, slug: str, changes: dict[str, Any]) -> Journey:
    journey = _journey(db, slug)
    if "days" in changes:
        _check_days(db, changes["days"])
    journey.sqlmodel_update(changes)
    return journey


def retire_journey(db: Session, slug: str) -> None:
    _journey(db, slug).retired = True


def _locked(db: Session, exercise_id: str) -> Exercise:
    # Locked, so two edits at once publish two versions one after the other, not one twice.
    statement = select(Exercise).where(Exercise.id == exercise_id).with_for_update()
    exercise = db.exec(statement).first()
    if exercise is None:
        raise NotFound("No such exercise.")
    return exercise


def _journey(db: Session, slug: str) -> Journey:
    journey = db.get(Journey, slug)
    if journey is None:
        raise NotFound("No such journey.")
    return journey


def _check_days(db: Session, days: Sequence[str]) -> None:
    offered = set(
        db.exec(
            select(Exercise.id).where(col(Exercise.id).in_(days), col(Exercise.retired).is_(False))
        )
    )
    for day, exercise_id in enumerate(days):
        if exercise_id not in offered:
            raise Unprocessable(
                "No exercise of this id is offered (unknown or retired).",
                loc=["body", "days", day],
            )


def _insert_new(db: Session, rows: Sequence[SQLModel], kind: str, key: str) -> None:
    conflict = Conflict(f"A {kind} of this id exists already; edit it instead.")
    if db.get(type(rows[0]), key) is not None:
        raise conflict
    db.add_all(rows)
    try:
        db.flush()
    except IntegrityError as exc:  # created by someone else at the same instant
        raise conflict from exc
