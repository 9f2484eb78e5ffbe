"""Bodies of the content endpoints: themes, exercises (one schema per type), journeys.

Requests reuse the models that validate the shipped files, so the API accepts exactly what
a file may hold.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from api.content.schema import (
    ActivityExercise,
    ChoiceExercise,
    Days,
    Depth,
    GuessExercise,
    JourneySpec,
    Mechanism,
    OpenExercise,
    Options,
    ScaleExercise,
    Slug,
    Steps,
    Text,
    ThemeSpec,
    Title,
)
from api.schemas.base import STRICT, ChangesIn, ResponseBody
from api.schemas.pagination import Page

LANGUAGE = Field(
    description="The language of the texts: the one negotiated from `Accept-Language` when "
    "this item is translated into it, else `en`.",
    examples=["es"],
)


# Mechanisms arrive as JSON strings; strict mode would want Mechanism members.
MechanismName = Annotated[Mechanism, Strict(False)]


class ThemeOut(ResponseBody):
    slug: str
    title: str
    description: str
    sensitive: bool = Field(description="Delivered only to couples who chose it.")
    exercise_count: int = Field(description="How many exercises the theme offers.")
    language: str = LANGUAGE


class ThemePage(Page[ThemeOut]):
    """A page of themes, by slug."""


class ThemeIn(ThemeSpec):
    """A new theme; its exercises are added with `POST /v1/exercises`."""

    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "slug": "gratitude",
                    "title": "Gratitude",
                    "description": "Noticing and saying what you appreciate in each other.",
                    "sensitive": False,
                }
            ]
        },
    )


class ThemePatchIn(ChangesIn):
    model_config = ConfigDict(json_schema_extra={"examples": [{"title": "Everyday trust"}]})

    title: Title | None = None
    description: Text | None = None
    sensitive: bool | None = None


class Published(BaseModel):
    """What every served exercise says besides its content."""

    # Every field is always sent, defaults included: generated clients need not guess.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    theme: str = Field(description="The theme's slug.")
    version: int = Field(
        description="Bumped by every edit; an assignment keeps the version it was given."
    )
    retired: bool = Field(description="No longer offered; still readable for past assignments.")
    language: str = LANGUAGE


class OpenExerciseOut(Published, OpenExercise):
    """A free-text exercise."""


class ChoiceExerciseOut(Published, ChoiceExercise):
    """Pick one option, or up to `max_choices`."""


class ScaleExerciseOut(Published, ScaleExercise):
    """An integer from `min` to `max`."""


class GuessExerciseOut(Published, GuessExercise):
    """Pick for yourself and guess your partner's pick."""


class ActivityExerciseOut(Published, ActivityExercise):
    """Something to do together."""


ExerciseOut = Annotated[
    OpenExerciseOut | ChoiceExerciseOut | ScaleExerciseOut | GuessExerciseOut | ActivityExerciseOut,
    Field(discriminator="type"),
]


class ExercisePage(Page[ExerciseOut]):
    """A page of exercises, by id."""


class NewExercise(BaseModel):
    """What a new exercise must say besides its content (first among the bases of each type's
    model below, so `mechanism` and `depth` are required there, as in the content files)."""

    model_config = STRICT

    theme: Slug = Field(description="The slug of the theme it belongs to.")
    mechanism: MechanismName = Field(description="What the exercise works on.")
    depth: Depth


class OpenExerciseIn(NewExercise, OpenExercise):
    """A new free-text exercise."""


class ChoiceExerciseIn(NewExercise, ChoiceExercise):
    """A new choice exercise."""


class ScaleExerciseIn(NewExercise, ScaleExercise):
    """A new scale exercise."""


class GuessExerciseIn(NewExercise, GuessExercise):
    """A new guess exercise."""


class ActivityExerciseIn(NewExercise, ActivityExercise):
    """A new activity."""


ExerciseIn = Annotated[
    OpenExerciseIn | ChoiceExerciseIn | ScaleExerciseIn | GuessExerciseIn | ActivityExerciseIn,
    Field(discriminator="type"),
]


class ExercisePatchIn(ChangesIn):
    """Changes to an exercise, published as its next version. The fields are those of its
    type (`type` and `id` never change); `follow_up: null` removes the follow-up."""

    nullable = frozenset({"follow_up"})
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"prompt": "When did you last feel you could count on me?", "depth": 2}]
        }
    )

    title: Title | None = None
    prompt: Text | None = None
    why: Text | None = None
    mechanism: MechanismName | None = None
    depth: Depth | None = None
    follow_up: Text | None = None
    max_length: int | None = None
    options: Options | None = None
    max_choices: int | None = None
    min: int | None = None
    max: int | None = None
    min_label: Title | None = None
    max_label: Title | None = None
    steps: Steps | None = None
    duration_minutes: int | None = None


class JourneyOut(ResponseBody):
    slug: str
    title: str
    description: str
    days: list[str] = Field(description="Exercise ids, one per day, in order.")
    retired: bool = Field(description="No longer offered; couples already on it can finish it.")
    language: str = LANGUAGE


class JourneyPage(Page[JourneyOut]):
    """A page of journeys, by slug."""


class JourneyIn(JourneySpec):
    """A new journey."""

    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "slug": "three-days-of-thanks",
                    "title": "Three days of thanks",
                    "description": "A short run of noticing what the other does for you.",
                    "days": ["trust-01", "trust-02", "trust-03"],
                }
            ]
        },
    )


class JourneyPatchIn(ChangesIn):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"days": ["trust-01", "trust-05", "trust-09"]}]}
    )

    title: Title | None = None

    description: Text | None = None
    days: Days | None = None
