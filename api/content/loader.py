"""Loading the shipped content files into the database, idempotently.

A file item is applied only when it changed since it was last loaded (each row keeps a
digest of its file item), so loading twice changes nothing and edits made through the API
survive until the file itself changes. A changed exercise publishes a new version; one no
longer in the files is retired, never deleted.
"""

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.content.files import (
    DATA_DIR,
    ContentBundle,
    ShippedExercise,
    ShippedJourney,
    ShippedTheme,
    read_bundle,
)
from api.content.management import new_exercise, publish_version
from api.models import Exercise, Journey, Theme


@dataclass
class LoadReport:
    """What a load changed, by kind ("themes", "exercises", "journeys")."""

    added: Counter[str] = field(default_factory=Counter)
    changed: Counter[str] = field(default_factory=Counter)
    retired: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        lines = [
            f"{kind}: {self.added[kind]} added, {self.changed[kind]} changed, "
            f"{self.retired[kind]} retired"
            for kind in ("themes", "exercises", "journeys")
        ]
        return "\n".join(lines)


def load_content(db: Session, now: datetime, directory: Path = DATA_DIR) -> LoadReport:
    """Read and check every file, then bring the database in line (the caller commits)."""
    bundle = read_bundle(directory)
    report = LoadReport()
    _load_themes(db, bundle.themes, report)
    db.flush()  # exercises point at their themes
    _load_exercises(db, bundle, now, report)
    _load_journeys(db, bundle.journeys, report)
    return report


def load_content_if_empty(engine: Engine, now: datetime) -> LoadReport | None:
    """First start: load the shipped content into a database that holds none."""
    with Session(engine) as db:
        if db.exec(select(Theme.slug).limit(1)).first() is not None:
            return None
        report = load_content(db, now)
        db.commit()
    return report


def _load_themes(db: Session, themes: list[ShippedTheme], report: LoadReport) -> None:
    rows = {row.slug: row for row in db.exec(select(Theme))}
    for theme in themes:
        values = theme.spec.model_dump() | {"translations": _dump(theme.translations)}
        _upsert(db, rows.get(theme.spec.slug), Theme, values, "themes", report)


def _load_exercises(db: Session, bundle: ContentBundle, now: datetime, report: LoadReport) -> None:
    rows = {row.id: row for row in db.exec(select(Exercise))}
    for shipped in bundle.exercises:
        digest = _digest(shipped.theme, shipped.spec, _dump(shipped.translations))
        row = rows.pop(shipped.spec.id, None)
        if row is None:
            db.add_all(new_exercise(shipped.theme, shipped.spec, shipped.translations, now, digest))
            report.added["exercises"] += 1
        elif row.source_digest != digest:
            _reload_exercise(db, row, shipped, now, report)
            row.source_digest = digest
    _retire_unshipped(rows.values(), "exercises", report)


def _reload_exercise(
    db: Session, row: Exercise, shipped: ShippedExercise, now: datetime, report: LoadReport
) -> None:
    version = row.current_version
    publish_version(db, row, shipped.spec, shipped.translations, now)
    if (version, row.theme_slug, row.retired) != (row.current_version, shipped.theme, False):
        report.changed["exercises"] += 1
    row.theme_slug, row.retired = shipped.theme, False


def _load_journeys(db: Session, journeys: list[ShippedJourney], report: LoadReport) -> None:
    rows = {row.slug: row for row in db.exec(select(Journey))}
    for journey in journeys:
        values = journey.spec.model_dump() | {
            "translations": _dump(journey.translations),
            "retired": False,
        }
        _upsert(db, rows.pop(journey.spec.slug, None), Journey, values, "journeys", report)
    _retire_unshipped(rows.values(), "journeys", report)


def _upsert(
    db: Session,
    row: Theme | Journey | None,
    table: type[Theme] | type[Journey],
    values: dict[str, Any],
    kind: str,
    report: LoadReport,
) -> None:
    digest = _digest(values)
    if row is None:
        db.add(table(**values, source_digest=digest))
        report.added[kind] += 1
    elif row.source_digest != digest:
        if any(getattr(row, name) != value for name, value in values.items()):
            report.changed[kind] += 1
        row.sqlmodel_update(values | {"source_digest": digest})


def _retire_unshipped(rows: Iterable[Exercise | Journey], kind: str, report: LoadReport) -> None:
    """Retire what was loaded from files but is gone from them; API-made content stays."""
    for row in rows:
        if row.source_digest is None:
            continue
        if not row.retired:
            report.retired[kind] += 1
        # No digest any more: should the item come back to the files, it is loaded afresh.
        row.retired, row.source_digest = True, None


def _dump(models: dict[str, Any]) -> dict[str, Any]:
    return {key: model.model_dump(mode="json", exclude_none=True) for key, model in models.items()}


def _digest(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, default=_json_of_model)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _json_of_model(model: BaseModel) -> Any:
    return model.model_dump(mode="json")
