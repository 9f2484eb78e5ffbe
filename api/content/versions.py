"""How a published exercise version is stored: its spec and translations, to and from a row."""

import json
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cachetools import LRUCache

from api.content.schema import EXERCISE_SPEC, ExerciseSpec, ExerciseTranslation
from api.models.content import ExerciseVersion


def version_row(
    spec: ExerciseSpec,
    translations: Mapping[str, ExerciseTranslation],
    version: int,
    published_at: datetime,
) -> ExerciseVersion:
    return ExerciseVersion(
        exercise_id=spec.id,
        version=version,
        type=spec.type,
        mechanism=spec.mechanism,
        depth=spec.depth,
        body=_body(spec),
        translations=_translations(translations),
        published_at=published_at,
    )


# Each rebuild of the catalog reads every published version, and validating them costs most
# of it (tens of ms for the shipped content, in every new process and after every content
# write): a version is parsed once per content, whichever row and database it comes from.
_PARSED: LRUCache[str, tuple[ExerciseSpec, dict[str, ExerciseTranslation]]] = LRUCache(8192)
_PARSED_LOCK = threading.Lock()


def parsed(row: ExerciseVersion) -> tuple[ExerciseSpec, dict[str, ExerciseTranslation]]:
    """The version's exercise and translations, typed. Not to be changed: they are shared."""
    key = json.dumps(
        [row.exercise_id, row.type, row.mechanism, row.depth, row.body, row.translations],
        sort_keys=True,
    )
    with _PARSED_LOCK:
        found = _PARSED.get(key)
    if found is None:
        found = spec_of(row), translations_of(row)
        with _PARSED_LOCK:
            _PARSED[key] = found
    return found


def spec_of(row: ExerciseVersion) -> ExerciseSpec:
    """The version's exercise, typed: its `type` and that type's constraints and texts."""
    tags = {"mechanism": row.mechanism, "depth": row.depth}
    return EXERCISE_SPEC.validate_python(
        {"id": row.exercise_id, "type": row.type, **tags, **row.body}
    )


def translations_of(row: ExerciseVersion) -> dict[str, ExerciseTranslation]:
    return {
        language: ExerciseTranslation.model_validate(texts)
        for language, texts in row.translations.items()
    }


def has_content(
    row: ExerciseVersion, spec: ExerciseSpec, translations: Mapping[str, ExerciseTranslation]
) -> bool:
    """Whether the row already publishes exactly this exercise and these translations."""
    return (row.type, row.mechanism, row.depth, row.body, row.translations) == (
        spec.type,
        spec.mechanism,
        spec.depth,
        _body(spec),
        _translations(translations),
    )


def _body(spec: ExerciseSpec) -> dict[str, Any]:
    return spec.model_dump(mode="json", exclude={"id", "type", "mechanism", "depth"})


def _translations(translations: Mapping[str, ExerciseTranslation]) -> dict[str, Any]:
    return {
        language: texts.model_dump(mode="json", exclude_none=True)
        for language, texts in sorted(translations.items())
    }
