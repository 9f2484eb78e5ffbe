"""Reading the shipped content files into one validated, cross-checked bundle.

Layout under `data/`: `themes/<slug>.yaml` (a theme and its exercises, in English),
`journeys/<slug>.yaml`, `locales/<language>/<theme slug>.yaml` (a theme's translations) and
`locales/<language>/journeys/<journey slug>.yaml` (a journey's).
Any mistake stops the load with one `ContentFileError` naming the file, the item and the field.

A language is complete or absent: a folder `locales/<language>/` must translate every theme,
every exercise of it and every journey, so nobody meets a half-translated app. Every exercise
says what it works on (`mechanism`) and how deep it goes (`depth`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from api.content.localization import translation_problems
from api.content.schema import (
    ExerciseSpec,
    ExerciseTranslation,
    JourneyPack,
    JourneySpec,
    JourneyTranslation,
    LocalePack,
    ThemeFile,
    ThemeSpec,
    ThemeTranslation,
)

DATA_DIR = Path(__file__).resolve().parent / "data"

Model = TypeVar("Model", bound=BaseModel)


class ContentFileError(Exception):
    def __init__(self, path: Path, item: str | None, field: str | None, reason: str) -> None:
        self.path, self.item, self.field, self.reason = path, item, field, reason
        where = [str(path)]
        if item is not None:
            where.append(f"item {item!r}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {reason}")


@dataclass(frozen=True)
class ShippedTheme:
    spec: ThemeSpec
    translations: dict[str, ThemeTranslation] = field(default_factory=dict)


@dataclass(frozen=True)
class ShippedExercise:
    theme: str
    spec: ExerciseSpec
    translations: dict[str, ExerciseTranslation] = field(default_factory=dict)


@dataclass(frozen=True)
class ShippedJourney:
    spec: JourneySpec
    translations: dict[str, JourneyTranslation] = field(default_factory=dict)


@dataclass(frozen=True)
class ContentBundle:
    themes: list[ShippedTheme]
    exercises: list[ShippedExercise]
    journeys: list[ShippedJourney]


def read_bundle(directory: Path = DATA_DIR) -> ContentBundle:
    themes: dict[str, ShippedTheme] = {}
    exercises: dict[str, ShippedExercise] = {}
    for path in sorted((directory / "themes").glob("*.yaml")):
        theme = _read(path, ThemeFile)
        _expect_file_name(path, theme.slug)
        themes[theme.slug] = ShippedTheme(ThemeSpec(**theme.model_dump(exclude={"exercises"})))
        for exercise in theme.exercises:
            if exercise.id in exercises:
                other = exercises[exercise.id].theme
                raise ContentFileError(
                    path, exercise.id, "id", f"another exercise, in {other}, has this id"
                )
            _expect_tags(path, exercise)
            exercises[exercise.id] = ShippedExercise(theme.slug, exercise)
    for path in sorted((directory / "locales").glob("*/*.yaml")):
        _add_translations(path, _read(path, LocalePack), themes, exercises)
    journeys = {
        journey.spec.slug: journey
        for journey in (
            _read_journey(path, exercises)
            for path in sorted((directory / "journeys").glob("*.yaml"))
        )
    }
    for path in sorted((directory / "locales").glob("*/journeys/*.yaml")):
        _add_journey_translation(path, _read(path, JourneyPack), journeys)
    bundle = ContentBundle(list(themes.values()), list(exercises.values()), list(journeys.values()))
    for language_dir in sorted(p for p in (directory / "locales").glob("*") if p.is_dir()):
        _expect_complete(language_dir, bundle)
    return bundle


def _expect_tags(path: Path, exercise: ExerciseSpec) -> None:
    for name in ("mechanism", "depth"):
        if getattr(exercise, name) is None:
            raise ContentFileError(path, exercise.id, name, "Field required")


def _expect_complete(language_dir: Path, bundle: ContentBundle) -> None:
    """Every theme, exercise and journey translated into the folder's language."""
    language = language_dir.name
    for theme in bundle.themes:
        if language not in theme.translations:
            path, slug = language_dir / f"{theme.spec.slug}.yaml", theme.spec.slug
            raise ContentFileError(
                path, slug, None, f"missing: every theme needs a {language} pack"
            )
    for exercise in bundle.exercises:
        if language not in exercise.translations:
            raise ContentFileError(
                language_dir / f"{exercise.theme}.yaml",
                exercise.spec.id,
                "exercises",
                f"missing: every exercise of {exercise.theme} needs a {language} translation",
            )
    for journey in bundle.journeys:
        if language not in journey.translations:
            slug = journey.spec.slug
            raise ContentFileError(
                language_dir / "journeys" / f"{slug}.yaml",
                slug,
                None,
                f"missing: every journey needs a {language} translation",
            )


def _add_translations(
    path: Path,
    pack: LocalePack,
    themes: Mapping[str, ShippedTheme],
    exercises: Mapping[str, ShippedExercise],
) -> None:
    if pack.locale != path.parent.name:
        raise ContentFileError(path, pack.theme, "locale", "must match the folder name")
    _expect_file_name(path, pack.theme, "theme")
    if pack.theme not in themes:
        raise ContentFileError(path, pack.theme, "theme", "no theme file has this slug")
    themes[pack.theme].translations[pack.locale] = ThemeTranslation(
        title=pack.title, description=pack.description
    )
    for exercise_id, translation in pack.exercises.items():
        shipped = exercises.get(exercise_id)
        if shipped is None or shipped.theme != pack.theme:
            raise ContentFileError(
                path, exercise_id, "exercises", f"no such exercise in {pack.theme}"
            )
        problems = translation_problems(shipped.spec, translation)
        if problems:
            raise ContentFileError(path, exercise_id, *problems[0])
        shipped.translations[pack.locale] = translation


def _read_journey(path: Path, exercises: Mapping[str, ShippedExercise]) -> ShippedJourney:
    journey = _read(path, JourneySpec)
    _expect_file_name(path, journey.slug)
    for day, exercise_id in enumerate(journey.days):
        if exercise_id not in exercises:
            raise ContentFileError(path, journey.slug, f"days.{day}", f"no exercise {exercise_id}")
    return ShippedJourney(journey)


def _add_journey_translation(
    path: Path, pack: JourneyPack, journeys: Mapping[str, ShippedJourney]
) -> None:
    if pack.locale != path.parent.parent.name:
        raise ContentFileError(path, pack.journey, "locale", "must match the folder name")
    _expect_file_name(path, pack.journey, "journey")
    if pack.journey not in journeys:
        raise ContentFileError(path, pack.journey, "journey", "no journey file has this slug")
    journeys[pack.journey].translations[pack.locale] = JourneyTranslation(
        title=pack.title, description=pack.description
    )


def _expect_file_name(path: Path, slug: str, field_name: str = "slug") -> None:
    if path.stem != slug:
        raise ContentFileError(path, slug, field_name, f"must match the file name {path.name}")


def _read(path: Path, model: type[Model]) -> Model:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise ContentFileError(path, None, None, f"not valid YAML: {exc}") from None
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        errors = exc.errors()
        item, field_name = _locate(document, errors[0])
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise ContentFileError(path, item, field_name, errors[0]["msg"] + more) from None


def _locate(document: Any, error: ErrorDetails) -> tuple[str | None, str | None]:
    """The item (exercise id, else the file's own slug) and the field an error points at."""
    top = document if isinstance(document, dict) else {}
    item: str | None = top.get("slug") or top.get("theme") or top.get("journey")
    loc = list(error["loc"])
    entries = top.get("exercises")
    if len(loc) >= 2 and loc[0] == "exercises" and isinstance(entries, list | dict):
        key = loc[1]
        entry = entries[key] if isinstance(entries, dict) else entries[int(key)]
        item = str(key) if isinstance(entries, dict) else _entry_name(entry, int(key))
        loc = loc[2:]
        if loc and isinstance(entry, dict) and loc[0] == entry.get("type"):
            loc = loc[1:]  # the discriminator's tag, e.g. "choice", is not a field
    if error["type"].startswith("union_tag"):
        loc.append("type")
    return item, ".".join(str(part) for part in loc) or None


def _entry_name(entry: Any, index: int) -> str:
    exercise_id = entry.get("id") if isinstance(entry, dict) else None
    return str(exercise_id) if exercise_id else f"exercises.{index}"


class _StrictLoader(yaml.CSafeLoader):
    """Safe YAML (libyaml, for speed) that refuses a key given twice, which YAML lets pass."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
