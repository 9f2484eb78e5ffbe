"""Whether an answer fits the exercise version it answers: type, options, range, length."""

from api.content.schema import (
    ChoiceExercise,
    ExerciseSpec,
    GuessExercise,
    OpenExercise,
    ScaleExercise,
)
from api.kernel.errors import Unprocessable
from api.schemas.answer import AnswerContent, ChoiceContent, GuessContent, OpenContent, ScaleContent

LOC = ["body", "content"]


def check_answer(exercise: ExerciseSpec, content: AnswerContent) -> None:
    """Raise a field-level 422 unless `content` is a valid answer to `exercise`."""
    if content.type != exercise.type:
        raise Unprocessable(f"This exercise takes a {exercise.type!r} answer.", loc=[*LOC, "type"])
    if isinstance(exercise, OpenExercise) and isinstance(content, OpenContent):
        if len(content.text) > exercise.max_length:
            raise Unprocessable(
                f"The answer is longer than {exercise.max_length} characters.",
                loc=[*LOC, "text"],
            )
    elif isinstance(exercise, ChoiceExercise) and isinstance(content, ChoiceContent):
        _check_options(exercise, content.choices, "choices")
        if len(set(content.choices)) != len(content.choices):
            raise Unprocessable("An option is chosen twice.", loc=[*LOC, "choices"])
        if len(content.choices) > exercise.max_choices:
            raise Unprocessable(f"Choose at most {exercise.max_choices}.", loc=[*LOC, "choices"])
    elif isinstance(exercise, ScaleExercise) and isinstance(content, ScaleContent):
        if not exercise.min <= content.value <= exercise.max:
            raise Unprocessable(
                f"The value must be from {exercise.min} to {exercise.max}.", loc=[*LOC, "value"]
            )
    elif isinstance(exercise, GuessExercise) and isinstance(content, GuessContent):
        _check_options(exercise, [content.pick], "pick")
        _check_options(exercise, [content.guess], "guess")


def _check_options(exercise: ChoiceExercise | GuessExercise, picked: list[str], field: str) -> None:
    known = {option.id for option in exercise.options}
    if not set(picked) <= known:
        raise Unprocessable("Not one of this exercise's options.", loc=[*LOC, field])


def guess_is_correct(guesser: GuessContent, other: GuessContent) -> bool:
    return guesser.guess == other.pick
