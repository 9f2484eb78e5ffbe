"""Turning catalog entries into content response bodies, in the caller's language."""

from pydantic import TypeAdapter

from api.content.catalog import ExerciseEntry, JourneyEntry, ThemeEntry, VersionEntry
from api.schemas.content import ExerciseOut, JourneyOut, ThemeOut

_EXERCISE_OUT: TypeAdapter[ExerciseOut] = TypeAdapter(ExerciseOut)


def theme_out(theme: ThemeEntry, exercise_count: int, language: str) -> ThemeOut:
    served, texts = theme.texts_in(language)
    return ThemeOut(
        slug=theme.slug,
        title=texts.title,
        description=texts.description,
        sensitive=theme.sensitive,
        exercise_count=exercise_count,
        language=served,
    )


def exercise_out(exercise: ExerciseEntry, version: VersionEntry, language: str) -> ExerciseOut:
    served, spec = version.in_language(language)
    published = {
        "theme": exercise.theme,
        "version": version.version,
        "retired": exercise.retired,
        "language": served,
    }
    return _EXERCISE_OUT.validate_python(spec.model_dump() | published)


def journey_out(journey: JourneyEntry, language: str) -> JourneyOut:
    served, texts = journey.texts_in(language)
    return JourneyOut(
        slug=journey.slug,
        title=texts.title,
        description=texts.description,
        days=list(journey.days),
        retired=journey.retired,
        language=served,
    )
