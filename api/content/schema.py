"""The shape of every piece of content, for the shipped files and the content API alike.

One model per exercise type, told apart by `type`. Unknown fields are refused everywhere, so
a typo in a file or a request is an error rather than silently ignored content.
"""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationInfo,
    field_validator,
)

from api.kernel.fields import Locale

Slug = Annotated[
    str,
    Field(
        max_length=64,
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        description="Lowercase words joined by hyphens.",
        examples=["trust"],
    ),
]
OptionId = Annotated[str, Field(max_length=32, pattern=r"^[a-z0-9_]+$", examples=["a"])]
Title = Annotated[str, Field(min_length=1, max_length=120)]
Text = Annotated[str, Field(min_length=1, max_length=1000)]
FollowUp = Annotated[Text | None, Field(description="A question to talk over afterwards.")]
Days = Annotated[
    list[Slug],
    Field(min_length=1, max_length=60, description="Exercise ids, one per day, in order."),
]


class ExerciseType(StrEnum):
    open = "open"
    choice = "choice"
    scale = "scale"
    guess = "guess"
    activity = "activity"


class Mechanism(StrEnum):
    """What an exercise works on, after the research on closeness it draws from."""

    self_disclosure = "self-disclosure"
    responsiveness = "responsiveness"
    capitalization = "capitalization"
    gratitude = "gratitude"
    novelty = "novelty"
    love_maps = "love-maps"
    repair = "repair"
    play = "play"
    support = "support"


Depth = Annotated[
    int, Field(ge=1, le=3, description="How much it asks: 1 light, 2 personal, 3 deep.")
]


class ContentModel(BaseModel):
    # Frozen: the catalog shares these objects between requests, so nobody may change one.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExerciseOption(ContentModel):
    id: OptionId = Field(description="Stable within the exercise; answers name it.")
    label: Text


def _distinct_ids(options: list[ExerciseOption]) -> list[ExerciseOption]:
    if len({option.id for option in options}) != len(options):
        raise ValueError("option ids must be distinct")
    return options


Options = Annotated[
    list[ExerciseOption],
    Field(min_length=2, max_length=12, description="Each with an id of its own."),
    AfterValidator(_distinct_ids),
]
Steps = Annotated[list[Text], Field(min_length=1, max_length=12)]


_UNTAGGED = "Null only in a version published before exercises were tagged."


class ExerciseBase(ContentModel):
    id: Slug = Field(description="Stable across versions.", examples=["trust-01"])
    title: Title
    prompt: Text
    why: Text = Field(description="Why this exercise helps, in a sentence.")
    # Required in the content files and in a new exercise (`ThemeFile`, the API's
    # `ExerciseIn`); null only in a version published before exercises were tagged.
    mechanism: Mechanism | None = Field(
        default=None, description=f"What the exercise works on. {_UNTAGGED}"
    )
    depth: Depth | None = Field(
        default=None, description=f"1 light, 2 personal, 3 deep. {_UNTAGGED}"
    )


class OpenExercise(ExerciseBase):
    """A free-text answer."""

    type: Literal["open"]
    follow_up: FollowUp = None
    max_length: int = Field(ge=1, le=5000, description="The longest answer, in characters.")


class ChoiceExercise(ExerciseBase):
    """Pick one option, or up to `max_choices`; "this or that" is a two-option choice."""

    type: Literal["choice"]
    follow_up: FollowUp = None
    options: Options
    max_choices: int = Field(default=1, ge=1, description="How many options one answer may pick.")

    @field_validator("max_choices")
    @classmethod
    def _max_choices_fit(cls, max_choices: int, info: ValidationInfo) -> int:
        if "options" in info.data and max_choices > len(info.data["options"]):
            raise ValueError("cannot exceed the number of options")
        return max_choices


class ScaleExercise(ExerciseBase):
    """An integer from `min` to `max`, with a label at each end."""

    type: Literal["scale"]
    follow_up: FollowUp = None
    min: int = Field(ge=-100, le=100)
    max: int = Field(ge=-100, le=100)
    min_label: Title
    max_label: Title

    @field_validator("max")
    @classmethod
    def _above_min(cls, maximum: int, info: ValidationInfo) -> int:
        if "min" in info.data and maximum <= info.data["min"]:
            raise ValueError("must be above min")
        return maximum


class GuessExercise(ExerciseBase):
    """Pick an option for yourself and guess your partner's pick; scored on reveal."""

    type: Literal["guess"]
    options: Options


class ActivityExercise(ExerciseBase):
    """Something to do together; the answer is whether it was done, a rating, a reflection."""

    type: Literal["activity"]
    steps: Steps
    duration_minutes: int = Field(ge=1, le=240)


ExerciseSpec = Annotated[
    OpenExercise | ChoiceExercise | ScaleExercise | GuessExercise | ActivityExercise,
    Field(discriminator="type"),
]
EXERCISE_SPEC: TypeAdapter[ExerciseSpec] = TypeAdapter(ExerciseSpec)


class ThemeSpec(ContentModel):
    slug: Slug
    title: Title
    description: Text
    sensitive: bool = Field(
        default=False,
        description="Never delivered unless the couple chose the theme in `focus_themes`.",
    )


class ThemeFile(ThemeSpec):
    """A theme file: the theme and its exercises, in English."""

    exercises: list[ExerciseSpec]


class JourneySpec(ContentModel):
    slug: Slug
    title: Title
    description: Text
    days: Days


class ExerciseTranslation(ContentModel):
    """An exercise's texts in another language; the same fields as the English, no others."""

    title: Title
    prompt: Text
    why: Text
    follow_up: Text | None = None
    options: dict[OptionId, Text] | None = Field(default=None, description="Label by option id.")
    min_label: Title | None = None
    max_label: Title | None = None
    steps: list[Text] | None = None


class ThemeTranslation(ContentModel):
    title: Title
    description: Text


class JourneyTranslation(ThemeTranslation):
    """A journey's texts in another language; its days are exercises, translated as such."""


class LocalePack(ThemeTranslation):
    """A locale pack file: one theme and its exercises in another language."""

    locale: Locale
    theme: Slug
    exercises: dict[Slug, ExerciseTranslation]


class JourneyPack(JourneyTranslation):
    """A journey's locale file: `locales/<language>/journeys/<journey slug>.yaml`."""

    locale: Locale
    journey: Slug
