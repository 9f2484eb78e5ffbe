"""Answers: one content shape per exercise type, the same in requests and responses."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from api.kernel.errors import Problem
from api.schemas.base import RequestBody, ResponseBody

ClientId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="An id the client chose (a UUID is best), so offline writes keep their id.",
    ),
]
OptionId = Annotated[str, Field(min_length=1, max_length=16)]


class OpenContent(RequestBody):
    type: Literal["open"] = "open"
    text: str = Field(min_length=1, max_length=5000, description="Up to the exercise's max_length.")


class ChoiceContent(RequestBody):
    type: Literal["choice"] = "choice"
    choices: list[OptionId] = Field(
        min_length=1, max_length=6, description="Option ids; at most the exercise's max_choices."
    )


class ScaleContent(RequestBody):
    type: Literal["scale"] = "scale"
    value: int = Field(description="Between the exercise's min and max.")


class GuessContent(RequestBody):
    type: Literal["guess"] = "guess"
    pick: OptionId = Field(description="Your own answer.")
    guess: OptionId = Field(description="What you think your partner picked.")


class ActivityContent(RequestBody):
    type: Literal["activity"] = "activity"
    done: bool
    rating: int | None = Field(default=None, ge=1, le=5, description="How it felt, 1 to 5.")
    reflection: str | None = Field(default=None, min_length=1, max_length=2000)


AnswerContent = Annotated[
    OpenContent | ChoiceContent | ScaleContent | GuessContent | ActivityContent,
    Field(discriminator="type"),
]


class AnswerIn(RequestBody):
    # One per exercise type: `content.type` must be the exercise's type.
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b6f8a1e-2c4d-4e5f-9a7b-1c2d3e4f5a6b",
                    "content": {"type": "open", "text": "When you drove me to the airport at 5."},
                },
                {"content": {"type": "choice", "choices": ["a", "c"]}},
                {"content": {"type": "scale", "value": 8}},
                {"content": {"type": "guess", "pick": "b", "guess": "a"}},
                {
                    "content": {
                        "type": "activity",
                        "done": True,
                        "rating": 5,
                        "reflection": "We laughed more than we talked.",
                    }
                },
            ]
        }
    )

    id: ClientId | None = Field(default=None, description="Used when the answer is created.")
    content: AnswerContent


class AnswerOut(ResponseBody):
    id: str
    author_id: str
    content: AnswerContent
    version: int = Field(description="Also sent as the ETag; send it back in If-Match to edit.")
    created_at: datetime
    updated_at: datetime
    edited: bool = Field(description="Changed after the reveal.")
    guess_correct: bool | None = Field(
        default=None,
        description="For a revealed guess exercise: whether this guess matched the other's pick.",
    )


class StaleAnswerProblem(Problem):
    """A 412: `If-Match` named a version of your answer that is no longer the current one."""

    current: AnswerContent | None = Field(
        description="Your answer's content as it stands now; null when you have none."
    )
    current_version: int | None = Field(
        description="Its version, the ETag to send in If-Match; null when you have none."
    )
