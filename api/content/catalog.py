"""The catalog: every theme, exercise version and journey, read-only, in memory.

Built from the database in a few queries and then read without any: the content endpoints
and daily delivery ask it instead of the database. `api.content.cache` decides when it is
rebuilt.
"""

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from sqlmodel import Session, select

from api.content.localization import DEFAULT_LANGUAGE, localize
from api.content.schema import (
    ExerciseSpec,
    ExerciseTranslation,
    ExerciseType,
    JourneyTranslation,
    Mechanism,
    ThemeTranslation,
)
from api.content.versions import parsed
from api.models import Exercise, ExerciseVersion, Journey, Theme


class _Titled:
    """A theme or a journey: a title and a description, in English and translated."""

    title: str
    description: str
    translations: Mapping[str, ThemeTranslation]

    def texts_in(self, language: str) -> tuple[str, ThemeTranslation]:
        """(the language served, the texts): the translation, else the English."""
        if language in self.translations:
            return language, self.translations[language]
        return DEFAULT_LANGUAGE, ThemeTranslation(title=self.title, description=self.description)


@dataclass(frozen=True)
class ThemeEntry(_Titled):
    slug: str
    title: str
    description: str
    sensitive: bool
    translations: Mapping[str, ThemeTranslation]


@dataclass(frozen=True)
class VersionEntry:
    """One published version: `spec` has the type, its constraints and the English texts."""

    exercise_id: str
    version: int
    spec: ExerciseSpec
    translations: Mapping[str, ExerciseTranslation]

    def in_language(self, language: str) -> tuple[str, ExerciseSpec]:
        """(the language served, the exercise in it): the translation, else the English."""
        if language in self.translations:
            return language, localize(self.spec, self.translations[language])
        return DEFAULT_LANGUAGE, self.spec


@dataclass(frozen=True)
class ExerciseEntry:
    id: str
    theme: str
    retired: bool
    current: VersionEntry
    versions: Mapping[int, VersionEntry]

    @property
    def type(self) -> ExerciseType:
        return ExerciseType(self.current.spec.type)

    @property
    def mechanism(self) -> Mechanism | None:
        return self.current.spec.mechanism

    @property
    def depth(self) -> int:
        """The current version's depth. One published before exercises were tagged counts as
        personal (2): not given in a new couple's first days, not held back for the deepest."""
        return self.current.spec.depth or 2


@dataclass(frozen=True)
class JourneyEntry(_Titled):
    slug: str
    title: str
    description: str
    days: tuple[str, ...]
    retired: bool
    translations: Mapping[str, JourneyTranslation]


class Catalog:
    def __init__(
        self,
        themes: Iterable[ThemeEntry],
        exercises: Iterable[ExerciseEntry],
        journeys: Iterable[JourneyEntry],
    ) -> None:
        self._themes = {theme.slug: theme for theme in sorted(themes, key=lambda t: t.slug)}
        self._exercises = {entry.id: entry for entry in sorted(exercises, key=lambda e: e.id)}
        self._journeys = {entry.slug: entry for entry in sorted(journeys, key=lambda j: j.slug)}
        self._counts = Counter(
            entry.theme for entry in self._exercises.values() if not entry.retired
        )
        self.languages = frozenset(
            {DEFAULT_LANGUAGE}
            | {language for theme in self._themes.values() for language in theme.translations}
            | {language for entry in self._journeys.values() for language in entry.translations}
            | {
                language
                for entry in self._exercises.values()
                for version in entry.versions.values()
                for language in version.translations
            }
        )

    def themes(self) -> list[ThemeEntry]:
        return list(self._themes.values())

    def theme(self, slug: str) -> ThemeEntry | None:
        return self._themes.get(slug)

    def everyday_theme_slugs(self) -> list[str]:
        """The themes delivered when a couple chose none: all but the sensitive ones."""
        return [slug for slug, theme in self._themes.items() if not theme.sensitive]

    def exercise_count(self, theme: str) -> int:
        """How many exercises the theme offers (retired ones are not offered)."""
        return self._counts[theme]

    def exercise(self, exercise_id: str) -> ExerciseEntry | None:
        """The exercise, retired or not (assignments keep pointing at retired ones)."""
        return self._exercises.get(exercise_id)

    def version(self, exercise_id: str, version: int) -> VersionEntry | None:
        entry = self._exercises.get(exercise_id)
        return entry.versions.get(version) if entry else None

    def exercises(
        self,
        themes: Collection[str] | None = None,
        type: ExerciseType | None = None,
        mechanism: Mechanism | None = None,
        depth: int | None = None,
    ) -> list[ExerciseEntry]:
        """The exercises on offer (not retired), by id, optionally of some themes, a type, a
        mechanism or a depth."""
        return [
            entry
            for entry in self._exercises.values()
            if not entry.retired
            and (themes is None or entry.theme in themes)
            and (type is None or entry.type == type)
            and (mechanism is None or entry.mechanism == mechanism)
            and (depth is None or entry.current.spec.depth == depth)
        ]

    def journeys(self) -> list[JourneyEntry]:
        """The journeys on offer (not retired), by slug."""
        return [entry for entry in self._journeys.values() if not entry.retired]

    def journey(self, slug: str) -> JourneyEntry | None:
        """The journey, retired or not (a couple on a retired journey can finish it)."""
        return self._journeys.get(slug)


def read_catalog(db: Session) -> Catalog:
    versions: dict[str, list[ExerciseVersion]] = {}
    for row in db.exec(select(ExerciseVersion)):
        versions.setdefault(row.exercise_id, []).append(row)
    return Catalog(
        themes=[theme_entry(row) for row in db.exec(select(Theme))],
        exercises=[exercise_entry(row, versions[row.id]) for row in db.exec(select(Exercise))],
        journeys=[journey_entry(row) for row in db.exec(select(Journey))],
    )


def theme_entry(row: Theme) -> ThemeEntry:
    translations = {
        language: ThemeTranslation.model_validate(texts)
        for language, texts in row.translations.items()
    }
    return ThemeEntry(row.slug, row.title, row.description, row.sensitive, translations)


def exercise_entry(row: Exercise, versions: Iterable[ExerciseVersion]) -> ExerciseEntry:
    """The exercise with the given versions (all of them, or just those at hand after a write)."""
    entries = {
        version.version: VersionEntry(version.exercise_id, version.version, *parsed(version))
        for version in versions
    }
    return ExerciseEntry(row.id, row.theme_slug, row.retired, entries[row.current_version], entries)


def journey_entry(row: Journey) -> JourneyEntry:
    translations = {
        language: JourneyTranslation.model_validate(texts)
        for language, texts in row.translations.items()
    }
    return JourneyEntry(
        row.slug, row.title, row.description, tuple(row.days), row.retired, translations
    )
