"""The content loader: files in, rows out, idempotently; a bad file named with its item and
field; `python -m api load-content`; loading on first start."""

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, create_engine, select
from sqlmodel import Session

from api.__main__ import main
from api.content.files import DATA_DIR, ContentFileError
from api.content.loader import LoadReport, load_content, load_content_if_empty
from api.content.management import revise_exercise
from api.kernel.config import get_settings
from api.kernel.db import migrate
from api.models import Exercise, ExerciseVersion, Journey, metadata
from api.models.content import CONTENT_TABLES
from tests.databases import fresh_database

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of the shipped files, for a test to change."""
    return Path(shutil.copytree(DATA_DIR, tmp_path / "data"))


def load(engine: Engine, directory: Path = DATA_DIR) -> LoadReport:
    with Session(engine) as db:
        report = load_content(db, NOW, directory)
        db.commit()
    return report


def changes(report: LoadReport) -> dict[str, dict[str, int]]:
    counts = {"added": report.added, "changed": report.changed, "retired": report.retired}
    return {name: dict(+counter) for name, counter in counts.items() if +counter}


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {
            name: [
                tuple(row)
                for row in connection.execute(
                    select(metadata.tables[name]).order_by(
                        *metadata.tables[name].primary_key.columns
                    )
                )
            ]
            for name in sorted(CONTENT_TABLES)
        }


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")


def exercise_in(document: dict[str, Any], exercise_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in document["exercises"] if e["id"] == exercise_id)
    return found


def versions(engine: Engine, exercise_id: str) -> list[ExerciseVersion]:
    with Session(engine) as db:
        statement = select(ExerciseVersion).where(ExerciseVersion.exercise_id == exercise_id)
        return list(db.scalars(statement.order_by(ExerciseVersion.version)))


def exercise(engine: Engine, exercise_id: str) -> Exercise:
    with Session(engine) as db:
        return db.get_one(Exercise, exercise_id)


class TestLoading:
    def test_loading_twice_changes_nothing(self, content: None, engine: Engine) -> None:
        before = snapshot(engine)
        assert len(before["theme"]) == 11 and len(before["exercise"]) >= 150
        assert len(before["exercise_version"]) == len(before["exercise"])
        assert len(before["journey"]) >= 4
        assert changes(load(engine)) == {}
        assert snapshot(engine) == before

    def test_a_changed_exercise_publishes_a_new_version(
        self, mutable_content: None, engine: Engine, data: Path
    ) -> None:
        edit_yaml(
            data / "themes" / "trust.yaml",
            lambda theme: exercise_in(theme, "trust-01").update(prompt="A new prompt."),
        )
        assert changes(load(engine, data)) == {"changed": {"exercises": 1}}
        first, second = versions(engine, "trust-01")
        assert first.body["prompt"] != "A new prompt." and second.body["prompt"] == "A new prompt."
        assert exercise(engine, "trust-01").current_version == 2
        assert changes(load(engine, data)) == {}

    def test_a_changed_translation_publishes_a_new_version(
        self, mutable_content: None, engine: Engine, data: Path
    ) -> None:
        edit_yaml(
            data / "locales" / "es" / "laughter-play.yaml",
            lambda pack: pack["exercises"]["laughter-play-01"].update(title="Otra risa"),
        )
        assert changes(load(engine, data)) == {"changed": {"exercises": 1}}
        assert versions(engine, "laughter-play-01")[1].translations["es"]["title"] == "Otra risa"

    def test_a_changed_depth_or_mechanism_publishes_a_new_version(
        self, mutable_content: None, engine: Engine, data: Path
    ) -> None:
        (first,) = versions(engine, "trust-01")
        depth = 3 if first.depth != 3 else 1
        edit_yaml(
            data / "themes" / "trust.yaml",
            lambda theme: exercise_in(theme, "trust-01").update(depth=depth, mechanism="play"),
        )
        assert changes(load(engine, data)) == {"changed": {"exercises": 1}}
        kept, second = versions(engine, "trust-01")
        assert (kept.depth, kept.mechanism) == (first.depth, first.mechanism)
        assert (second.depth, second.mechanism) == (depth, "play")
        # Same texts, so every locale's translation carries over to the new version.
        assert second.translations == first.translations and "es" in second.translations
        assert changes(load(engine, data)) == {}

    def test_journey_translations_load_and_reload(
        self, mutable_content: None, engine: Engine, data: Path
    ) -> None:
        with Session(engine) as db:
            journey = db.get_one(Journey, "seven-days-of-trust")
            assert journey.translations["es"]["title"] == "Siete días de confianza"
        edit_yaml(
            data / "locales" / "es" / "journeys" / "seven-days-of-trust.yaml",
            lambda pack: pack.update(title="Una semana de confianza"),
        )
        assert changes(load(engine, data)) == {"changed": {"journeys": 1}}
        with Session(engine) as db:
            journey = db.get_one(Journey, "seven-days-of-trust")
            assert journey.translations["es"]["title"] == "Una semana de confianza"

    def test_a_removed_exercise_is_retired_not_deleted(
        self, mutable_content: None, engine: Engine, data: Path
    ) -> None:
        edit_yaml(
            data / "themes" / "trust.yaml",
            lambda theme: theme["exercises"].remove(exercise_in(theme, "trust-15")),
        )
        edit_yaml(
            data / "locales" / "es" / "trust.yaml", lambda pack: pack["exercises"].pop("trust-15")
        )
        assert changes(load(engine, data)) == {"retired": {"exercises": 1}}
        assert exercise(engine, "trust-15").retired is True
        assert len(versions(engine, "trust-15")) == 1
        assert changes(load(engine, data)) == {}
        # Back in the files: offered again, and the same content is the same version.
        assert changes(load(engine)) == {"changed": {"exercises": 1}}
        assert exercise(engine, "trust-15").retired is False
        assert exercise(engine, "trust-15").current_version == 1

    def test_a_removed_journey_is_retired(
        self, mutable_content: None, engine: Engine, data: Path
    ) -> None:
        (data / "journeys" / "laughing-again.yaml").unlink()
        (data / "locales" / "es" / "journeys" / "laughing-again.yaml").unlink()
        assert changes(load(engine, data)) == {"retired": {"journeys": 1}}

    def test_edits_made_through_the_api_survive_until_the_file_changes(
        self, mutable_content: None, engine: Engine, data: Path
    ) -> None:
        with Session(engine) as db:
            revise_exercise(db, "trust-01", {"title": "Edited by an admin"}, NOW)
            db.commit()
        assert changes(load(engine)) == {}
        assert versions(engine, "trust-01")[-1].body["title"] == "Edited by an admin"
        edit_yaml(
            data / "themes" / "trust.yaml",
            lambda theme: exercise_in(theme, "trust-01").update(title="Edited in the file"),
        )
        load(engine, data)
        assert [v.body["title"] for v in versions(engine, "trust-01")][1:] == [
            "Edited by an admin",
            "Edited in the file",
        ]

    def test_first_start_loads_an_empty_database_once(self, tmp_path: Path) -> None:
        with fresh_database(tmp_path) as url:
            migrate(url)
            engine = create_engine(url)
            report = load_content_if_empty(engine, NOW)
            assert report is not None and report.added["exercises"] >= 150
            assert load_content_if_empty(engine, NOW) is None
            engine.dispose()


DELETE = object()
TRUST = "themes/trust.yaml"
SPANISH = "locales/es/laughter-play.yaml"
Change = Callable[[Path], None]


def in_trust(exercise_id: str, key: str, value: Any) -> Change:
    """Set (or DELETE) a field of an exercise of trust.yaml, in a copy of the files."""
    return _edit(TRUST, lambda theme: _assign(exercise_in(theme, exercise_id), key, value))


def in_file(path: str, *keys: str, value: Any) -> Change:
    """Set (or DELETE) a value found by keys in a file, in a copy of the files."""

    def apply(document: Any) -> None:
        for key in keys[:-1]:
            document = document[key]
        _assign(document, keys[-1], value)

    return _edit(path, apply)


def _edit(path: str, apply: Callable[[Any], None]) -> Change:
    return lambda data: edit_yaml(data / path, apply)


def _assign(target: dict[str, Any], key: str, value: Any) -> None:
    if value is DELETE:
        del target[key]
    else:
        target[key] = value


@pytest.mark.parametrize(
    ("change", "file", "item", "field", "reason"),
    [
        (
            in_trust("trust-03", "max_choices", 9),
            TRUST,
            "trust-03",
            "max_choices",
            "exceed",
        ),
        (in_trust("trust-01", "prompt", DELETE), TRUST, "trust-01", "prompt", "required"),
        (in_trust("trust-01", "type", "essay"), TRUST, "trust-01", "type", "essay"),
        (in_trust("trust-01", "colour", "blue"), TRUST, "trust-01", "colour", "Extra"),
        (in_trust("trust-02", "max", 1), TRUST, "trust-02", "max", "above min"),
        (
            in_trust("trust-04", "follow_up", "So?"),
            TRUST,
            "trust-04",
            "follow_up",
            "Extra",
        ),
        (in_trust("trust-02", "id", "trust-01"), TRUST, "trust-01", "id", "another"),
        (in_file(TRUST, "slug", value="trusting"), TRUST, "trusting", "slug", "file name"),
        (in_file(TRUST, "description", value=DELETE), TRUST, "trust", "description", "required"),
        (
            in_file("journeys/seven-days-of-trust.yaml", "days", value=["trust-01", "nope"]),
            "journeys/seven-days-of-trust.yaml",
            "seven-days-of-trust",
            "days.1",
            "no exercise nope",
        ),
        (
            in_file(SPANISH, "exercises", "laughter-play-02", "options", value={"a": "Uno"}),
            SPANISH,
            "laughter-play-02",
            "options",
            "option ids a, b, c, d, e",
        ),
        (
            in_file(SPANISH, "exercises", "laughter-play-05", "steps", value=["Uno"]),
            SPANISH,
            "laughter-play-05",
            "steps",
            "3 steps",
        ),
        (
            in_file(SPANISH, "exercises", "laughter-play-03", "min_label", value=DELETE),
            SPANISH,
            "laughter-play-03",
            "min_label",
            "missing",
        ),
        (
            in_file(
                SPANISH, "exercises", "trust-01", value={"title": "T", "prompt": "P", "why": "W"}
            ),
            SPANISH,
            "trust-01",
            "exercises",
            "no such exercise in laughter-play",
        ),
        (
            in_file(SPANISH, "exercises", "laughter-play-01", "titel", value="T"),
            SPANISH,
            "laughter-play-01",
            "titel",
            "Extra",
        ),
        (in_file(SPANISH, "locale", value="fr"), SPANISH, "laughter-play", "locale", "folder"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_bad_file_is_named_with_its_item_and_field(
    data: Path,
    change: Change,
    file: str,
    item: str,
    field: str,
    reason: str,
) -> None:
    change(data)
    with pytest.raises(ContentFileError) as raised:
        load_content(Session(), NOW, data)  # fails while reading, before touching the database
    error = raised.value
    assert (error.path, error.item, error.field) == (data / file, item, field)
    assert reason in error.reason
    assert str(data / file) in str(error) and f"'{item}'" in str(error) and field in str(error)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("title: Again\n", "appears twice"), ("exercises: [\n", "not valid YAML")],
)
def test_malformed_yaml(data: Path, text: str, reason: str) -> None:
    path = data / TRUST
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    with pytest.raises(ContentFileError, match=reason) as raised:
        load_content(Session(), NOW, data)
    assert raised.value.path == path


class TestCommand:
    @pytest.fixture(autouse=True)
    def _settings(self, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        monkeypatch.setenv("DATABASE_URL", database_url)
        get_settings.cache_clear()
        yield
        get_settings.cache_clear()

    def test_loads_and_reports(self, content: None, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["load-content"]) == 0
        assert "exercises: 0 added, 0 changed, 0 retired" in capsys.readouterr().out

    def test_a_bad_file_loads_nothing(
        self, content: None, engine: Engine, data: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        in_trust("trust-03", "max_choices", 9)(data)
        in_trust("trust-01", "prompt", "Changed, but never loaded.")(data)
        before = snapshot(engine)
        assert main(["load-content", "--directory", str(data)]) == 1
        error = capsys.readouterr().err
        assert "trust.yaml" in error and "trust-03" in error and "max_choices" in error
        assert snapshot(engine) == before
