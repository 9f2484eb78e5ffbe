"""The content files' cross-checks, on small made-up content in a temporary folder: a missing
translation, a duplicate id, a journey day that points at nothing, a depth or mechanism out
of range. Each error names the file, the item and the field."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.content.files import ContentFileError, read_bundle


def exercise(exercise_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": exercise_id,
        "type": "open",
        "mechanism": "self-disclosure",
        "depth": 1,
        "title": "A small thing",
        "prompt": "What small thing made you smile today?",
        "why": "Small joys shared are joys doubled.",
        "max_length": 500,
    } | fields


def translation() -> dict[str, str]:
    return {"title": "Algo pequeño", "prompt": "¿Qué te hizo sonreír hoy?", "why": "Porque sí."}


def theme(slug: str, *exercise_ids: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "title": slug.title(),
        "description": f"All about {slug}.",
        "exercises": [exercise(exercise_id) for exercise_id in exercise_ids],
    }


def pack(slug: str, *exercise_ids: str) -> dict[str, Any]:
    return {
        "locale": "es",
        "theme": slug,
        "title": "Un tema",
        "description": "Todo sobre el tema.",
        "exercises": {exercise_id: translation() for exercise_id in exercise_ids},
    }


def journey(slug: str, *days: str) -> dict[str, Any]:
    return {"slug": slug, "title": "A week", "description": "Seven days.", "days": list(days)}


def journey_pack(slug: str) -> dict[str, Any]:
    return {"locale": "es", "journey": slug, "title": "Una semana", "description": "Siete días."}


FILES: dict[str, Any] = {
    "themes/calm.yaml": theme("calm", "calm-01", "calm-02"),
    "themes/joy.yaml": theme("joy", "joy-01"),
    "journeys/a-week.yaml": journey("a-week", "calm-01", "joy-01", "calm-02"),
    "locales/es/calm.yaml": pack("calm", "calm-01", "calm-02"),
    "locales/es/joy.yaml": pack("joy", "joy-01"),
    "locales/es/journeys/a-week.yaml": journey_pack("a-week"),
}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    for name, document in FILES.items():
        write(tmp_path / name, document)
    return tmp_path


def write(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def edit(data: Path, name: str, change: Callable[[Any], None]) -> None:
    document = yaml.safe_load((data / name).read_text(encoding="utf-8"))
    change(document)
    write(data / name, document)


def test_complete_content_reads(data: Path) -> None:
    bundle = read_bundle(data)
    assert [e.spec.id for e in bundle.exercises] == ["calm-01", "calm-02", "joy-01"]
    assert [(e.spec.mechanism, e.spec.depth) for e in bundle.exercises] == [
        ("self-disclosure", 1)
    ] * 3
    assert bundle.journeys[0].translations["es"].title == "Una semana"
    assert {e.translations["es"].title for e in bundle.exercises} == {"Algo pequeño"}


def expect_error(data: Path, file: str, item: str, field: str | None, reason: str) -> None:
    with pytest.raises(ContentFileError) as raised:
        read_bundle(data)
    error = raised.value
    assert (error.path, error.item, error.field) == (data / file, item, field), error
    assert reason in error.reason
    assert str(data / file) in str(error) and f"'{item}'" in str(error)


class TestMissingTranslation:
    """A language is complete or absent: its folder translates every theme, every exercise
    and every journey."""

    def test_a_theme_without_its_pack(self, data: Path) -> None:
        (data / "locales/es/joy.yaml").unlink()
        expect_error(data, "locales/es/joy.yaml", "joy", None, "every theme needs a es pack")

    def test_an_exercise_left_out_of_its_pack(self, data: Path) -> None:
        edit(data, "locales/es/calm.yaml", lambda doc: doc["exercises"].pop("calm-02"))
        expect_error(data, "locales/es/calm.yaml", "calm-02", "exercises", "every exercise")

    def test_a_journey_without_its_translation(self, data: Path) -> None:
        (data / "locales/es/journeys/a-week.yaml").unlink()
        expect_error(data, "locales/es/journeys/a-week.yaml", "a-week", None, "every journey")

    def test_a_new_language_folder_must_be_complete_too(self, data: Path) -> None:
        write(data / "locales/fr/calm.yaml", pack("calm", "calm-01", "calm-02") | {"locale": "fr"})
        expect_error(data, "locales/fr/joy.yaml", "joy", None, "a fr pack")

    def test_a_translated_journey_that_does_not_exist(self, data: Path) -> None:
        write(data / "locales/es/journeys/a-month.yaml", journey_pack("a-month"))
        expect_error(data, "locales/es/journeys/a-month.yaml", "a-month", "journey", "no journey")

    def test_a_journey_translation_in_the_wrong_folder(self, data: Path) -> None:
        edit(data, "locales/es/journeys/a-week.yaml", lambda doc: doc.update(locale="fr"))
        expect_error(data, "locales/es/journeys/a-week.yaml", "a-week", "locale", "folder")

    def test_a_journey_translation_with_a_field_too_many(self, data: Path) -> None:
        edit(data, "locales/es/journeys/a-week.yaml", lambda doc: doc.update(days=["joy-01"]))
        expect_error(data, "locales/es/journeys/a-week.yaml", "a-week", "days", "Extra")


class TestDuplicateId:
    def test_within_a_theme(self, data: Path) -> None:
        edit(data, "themes/calm.yaml", lambda doc: doc["exercises"][1].update(id="calm-01"))
        expect_error(data, "themes/calm.yaml", "calm-01", "id", "another exercise, in calm")

    def test_across_themes(self, data: Path) -> None:
        edit(data, "themes/joy.yaml", lambda doc: doc["exercises"][0].update(id="calm-02"))
        expect_error(data, "themes/joy.yaml", "calm-02", "id", "another exercise, in calm")

    def test_a_translation_given_twice(self, data: Path) -> None:
        path = data / "locales/es/joy.yaml"
        twice = "  joy-01: {title: T, prompt: P, why: W}\n" * 2
        path.write_text(
            f"locale: es\ntheme: joy\ntitle: T\ndescription: D\nexercises:\n{twice}",
            encoding="utf-8",
        )
        with pytest.raises(ContentFileError, match="appears twice") as raised:
            read_bundle(data)
        assert raised.value.path == path


def test_a_journey_day_that_points_at_nothing(data: Path) -> None:
    edit(data, "journeys/a-week.yaml", lambda doc: doc["days"].insert(1, "calm-99"))
    expect_error(data, "journeys/a-week.yaml", "a-week", "days.1", "no exercise calm-99")


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("depth", 0, "greater than or equal to 1"),
        ("depth", 4, "less than or equal to 3"),
        ("depth", "deep", "valid integer"),
        ("mechanism", "flattery", "'self-disclosure', 'responsiveness'"),
        ("mechanism", "Self-Disclosure", "Input should be"),
        ("depth", None, "Field required"),
        ("mechanism", None, "Field required"),
    ],
)
def test_depth_and_mechanism_in_range_and_required(
    data: Path, field: str, value: Any, reason: str
) -> None:
    def change(document: Any) -> None:
        if value is None:
            del document["exercises"][1][field]
        else:
            document["exercises"][1][field] = value

    edit(data, "themes/calm.yaml", change)
    expect_error(data, "themes/calm.yaml", "calm-02", field, reason)
