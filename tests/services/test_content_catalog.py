"""The in-memory catalog: what it offers daily delivery, and when it is rebuilt."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, make_url, update
from sqlmodel import Session

from api.content.cache import REFRESH_AHEAD, CatalogCache
from api.content.catalog import ExerciseEntry
from api.content.management import revise_exercise
from api.content.schema import ChoiceExercise, ExerciseType
from api.kernel.db import SQLiteCommits
from api.models import Exercise
from tests.factories import bearer, register

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class Timer:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def timer() -> Timer:
    return Timer()


@pytest.fixture
def cache(engine: Engine, timer: Timer) -> CatalogCache:
    return CatalogCache(engine, ttl_seconds=30, timer=timer)


@pytest.fixture
def queries(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def entry(cache: CatalogCache, exercise_id: str) -> ExerciseEntry:
    found = cache.current().exercise(exercise_id)
    assert found is not None
    return found


def retire_behind_the_cache(engine: Engine, exercise_id: str) -> None:
    """A write by another process: this cache hears nothing of it."""
    with Session(engine) as db:
        db.execute(update(Exercise).where(Exercise.id == exercise_id).values(retired=True))
        db.commit()


@pytest.mark.usefixtures("content")
class TestWhatDeliveryReads:
    def test_themes(self, cache: CatalogCache) -> None:
        catalog = cache.current()
        everyday = catalog.everyday_theme_slugs()
        assert len(everyday) == 10 and "hard-seasons" not in everyday
        hard_seasons = catalog.theme("hard-seasons")
        assert hard_seasons is not None and hard_seasons.sensitive
        assert catalog.languages == {"en", "es"}

    def test_exercises_of_some_themes(self, cache: CatalogCache) -> None:
        catalog = cache.current()
        chosen = catalog.exercises(themes={"trust", "laughter-play"})
        assert len(chosen) == catalog.exercise_count("trust") + catalog.exercise_count(
            "laughter-play"
        )
        assert [entry.id for entry in chosen] == sorted(entry.id for entry in chosen)
        guesses = catalog.exercises(themes={"trust"}, type=ExerciseType.guess)
        assert guesses and all(entry.type is ExerciseType.guess for entry in guesses)

    def test_a_version_has_the_type_and_its_constraints(self, cache: CatalogCache) -> None:
        version = cache.current().version("laughter-play-12", 1)
        assert version is not None and isinstance(version.spec, ChoiceExercise)
        assert version.spec.max_choices == 2 and len(version.spec.options) == 6
        assert cache.current().version("laughter-play-12", 2) is None
        assert cache.current().version("no-such-exercise", 1) is None

    def test_journeys(self, cache: CatalogCache) -> None:
        journey = cache.current().journey("seven-days-of-trust")
        assert journey is not None and journey.days[0] == "trust-01"
        assert cache.current().journey("nope") is None


@pytest.mark.usefixtures("content")
class TestCaching:
    def test_reads_cost_no_query(self, cache: CatalogCache, queries: list[str]) -> None:
        cache.current()
        built_with = len(queries)
        assert 0 < built_with <= 5
        for _ in range(100):
            catalog = cache.current()
            catalog.exercises(themes={"trust"})
            catalog.version("trust-01", 1)
            catalog.journey("seven-days-of-trust")
        assert len(queries) == built_with

    def test_fresh_never_reads(self, cache: CatalogCache, timer: Timer, queries: list[str]) -> None:
        assert cache.fresh() is None  # nothing built yet, and fresh() builds nothing
        assert queries == []
        built = cache.current()
        assert cache.fresh() is built
        timer.now += 31
        assert cache.fresh() is None  # stale: the caller rebuilds through current()
        cache.current()
        cache.invalidate()
        read = len(queries)
        assert cache.fresh() is None
        assert len(queries) == read

    @pytest.mark.usefixtures("mutable_content")
    def test_other_processes_writes_show_after_the_ttl(
        self, cache: CatalogCache, engine: Engine, timer: Timer
    ) -> None:
        assert entry(cache, "trust-01").retired is False
        retire_behind_the_cache(engine, "trust-01")
        timer.now += 29
        assert entry(cache, "trust-01").retired is False
        timer.now += 2
        assert entry(cache, "trust-01").retired is True

    @pytest.mark.usefixtures("mutable_content")
    def test_a_catalog_near_its_end_is_rebuilt_in_the_background(
        self, cache: CatalogCache, engine: Engine, timer: Timer
    ) -> None:
        # The hot reads answer only from a fresh catalog: it is rebuilt before it expires,
        # and served meanwhile, so none of them waits for a rebuild.
        built = cache.current()
        retire_behind_the_cache(engine, "trust-01")
        timer.now += 30 * REFRESH_AHEAD + 1
        assert cache.fresh() is built
        deadline = time.monotonic() + 5
        while cache.fresh() is built:
            assert time.monotonic() < deadline, "not rebuilt in the background"
            time.sleep(0.01)
        rebuilt = cache.fresh()
        assert rebuilt is not None
        found = rebuilt.exercise("trust-01")
        assert found is not None and found.retired is True
        timer.now += 30 * REFRESH_AHEAD  # a whole life again, from the rebuild
        assert cache.fresh() is rebuilt

    @pytest.mark.usefixtures("mutable_content")
    def test_on_sqlite_a_rebuild_reads_nothing_while_nothing_was_committed(
        self, engine: Engine, timer: Timer, queries: list[str], database_url: str
    ) -> None:
        if not database_url.startswith("sqlite"):
            pytest.skip("PostgreSQL has no data_version: there every rebuild reads")
        watch = SQLiteCommits(str(make_url(database_url).database))
        cache = CatalogCache(engine, ttl_seconds=30, timer=timer, unchanged=watch.unchanged)
        try:
            built = cache.current()
            read = len(queries)
            timer.now += 31
            assert cache.current() is built
            assert len(queries) == read
            retire_behind_the_cache(engine, "trust-01")
            timer.now += 31
            assert entry(cache, "trust-01").retired is True
        finally:
            watch.close()

    @pytest.mark.usefixtures("mutable_content")
    def test_own_writes_show_once_committed(self, cache: CatalogCache, engine: Engine) -> None:
        cache.current()
        with Session(engine) as db:
            cache.invalidate_after_commit(db)
            revise_exercise(db, "trust-01", {"title": "Revised"}, NOW)
            db.flush()
            assert entry(cache, "trust-01").current.version == 1
            db.commit()
        assert entry(cache, "trust-01").current.version == 2


@pytest.mark.usefixtures("mutable_content")
@pytest.mark.parametrize(
    ("settings_overrides", "seen"), [({}, False), ({"content_cache_seconds": 0}, True)]
)
def test_the_ttl_setting(
    client: TestClient, engine: Engine, settings_overrides: dict[str, Any], seen: bool
) -> None:
    headers = bearer(register(client))
    assert client.get("/v1/exercises/trust-01", headers=headers).json()["retired"] is False
    retire_behind_the_cache(engine, "trust-01")
    assert client.get("/v1/exercises/trust-01", headers=headers).json()["retired"] is seen
