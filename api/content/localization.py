"""Languages: choosing one from `Accept-Language`, and checking and applying translations.

English is the language content is written in; every other language is a translation of it,
exercise by exercise, and anything untranslated is served in English.
"""

from collections.abc import Collection

from api.content.schema import (
    ActivityExercise,
    ChoiceExercise,
    ExerciseOption,
    ExerciseSpec,
    ExerciseTranslation,
    GuessExercise,
    ScaleExercise,
)

DEFAULT_LANGUAGE = "en"


def negotiate_language(accept_language: str | None, available: Collection[str]) -> str:
    """The best available language for an `Accept-Language` header (RFC 9110 §12.5.4).

    A range matches a language exactly or by its primary subtag (`es-MX` is served `es`).
    """
    by_lowercase = {language.lower(): language for language in available}
    for wanted in _ranges_by_preference(accept_language or ""):
        if wanted == "*":
            break
        for candidate in (wanted, wanted.split("-")[0]):
            if candidate in by_lowercase:
                return by_lowercase[candidate]
    return DEFAULT_LANGUAGE


def _ranges_by_preference(header: str) -> list[str]:
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        language, _, parameters = part.partition(";")
        name, _, value = parameters.strip().partition("=")
        try:
            quality = float(value) if name.strip().lower() == "q" else 1.0
        except ValueError:
            continue  # a malformed entry says nothing about what the client wants
        if language.strip() and 0 < quality <= 1:
            ranked.append((-quality, position, language.strip().lower()))
    return [language for _, _, language in sorted(ranked)]


def translation_problems(
    spec: ExerciseSpec, translation: ExerciseTranslation
) -> list[tuple[str, str]]:
    """How a translation fails to match its exercise, as (field, reason); empty when it fits.

    A translation has exactly the English exercise's texts, so no language shows a question
    with a missing label, a different set of options or a step too many.
    """
    expected = {
        "follow_up": getattr(spec, "follow_up", None) is not None,
        "options": isinstance(spec, ChoiceExercise | GuessExercise),
        "min_label": isinstance(spec, ScaleExercise),
        "max_label": isinstance(spec, ScaleExercise),
        "steps": isinstance(spec, ActivityExercise),
    }
    problems = [
        (field, "missing, the English has it" if wanted else "the English has none")
        for field, wanted in expected.items()
        if (getattr(translation, field) is not None) != wanted
    ]
    if isinstance(spec, ChoiceExercise | GuessExercise) and translation.options is not None:
        ids = [option.id for option in spec.options]
        if set(translation.options) != set(ids):
            problems.append(("options", f"must translate exactly the option ids {', '.join(ids)}"))
    if isinstance(spec, ActivityExercise) and translation.steps is not None:
        if len(translation.steps) != len(spec.steps):
            problems.append(("steps", f"must have {len(spec.steps)} steps, as the English does"))
    return problems


def localize(spec: ExerciseSpec, translation: ExerciseTranslation | None) -> ExerciseSpec:
    """The exercise with its texts in the translation's language (a checked translation)."""
    if translation is None:
        return spec
    texts = translation.model_dump(exclude_none=True, exclude={"options"})
    if translation.options is not None and isinstance(spec, ChoiceExercise | GuessExercise):
        labels = translation.options
        texts["options"] = [
            ExerciseOption(id=option.id, label=labels[option.id]) for option in spec.options
        ]
    return spec.model_copy(update=texts)
