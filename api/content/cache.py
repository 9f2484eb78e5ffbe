"""The catalog one process serves from, and when it is rebuilt.

Built on first use, rebuilt as soon as a content write of this process commits, and at most
`ttl_seconds` behind writes made by other processes. Reading it costs no query.

It is rebuilt ahead of time, in a thread of its own, once it is `REFRESH_AHEAD` of the way
to the end of its life: the hot reads, which answer only from a fresh catalog, never find it
expired while it is rebuilt (every such wait put a stall on the p99, bench/RESULTS.md). On a
SQLite file nothing is read again while nothing was committed since the last build
(`unchanged`, SQLite's data_version).
"""

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from api.content.catalog import Catalog, read_catalog


@dataclass(frozen=True)
class _Built:
    catalog: Catalog
    at: float
    generation: int


# The share of its life after which a catalog is rebuilt in the background.
REFRESH_AHEAD = 0.75


class CatalogCache:
    def __init__(
        self,
        engine: Engine,
        ttl_seconds: float,
        timer: Callable[[], float] = time.monotonic,
        unchanged: Callable[[], bool] | None = None,
    ) -> None:
        self._engine, self._ttl, self._timer = engine, ttl_seconds, timer
        # Whether nothing was committed to the database since its previous call, if it can
        # tell (api/kernel/db.py, SQLiteCommits).
        self._unchanged = unchanged
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._generations = itertools.count(1)
        self._generation = 0
        self._built: _Built | None = None

    def fresh(self) -> Catalog | None:
        """The catalog if no rebuild is due, without waiting or reading: None otherwise. One
        near the end of its life is rebuilt meanwhile, in the background."""
        built = self._built
        if built is None or not self._is_fresh(built):
            return None
        if self._timer() - built.at > self._ttl * REFRESH_AHEAD:
            self._refresh_in_background()
        return built.catalog

    def current(self) -> Catalog:
        built = self._built
        if built is not None and self._is_fresh(built):
            return built.catalog
        with self._lock:  # one rebuild at a time; the others wait for it, then use it
            built = self._built
            if built is None or not self._is_fresh(built):
                built = self._rebuild()
            return built.catalog

    def invalidate(self) -> None:
        self._generation = next(self._generations)

    def invalidate_after_commit(self, db: Session) -> None:
        """Rebuild once `db` commits: not before, or the rebuild could miss the write."""
        event.listen(db, "after_commit", lambda _session: self.invalidate(), once=True)

    def _is_fresh(self, built: _Built) -> bool:
        return built.generation == self._generation and self._timer() - built.at < self._ttl

    def _refresh_in_background(self) -> None:
        if self._refreshing.acquire(blocking=False):
            threading.Thread(target=self._refresh, name="catalog-refresh", daemon=True).start()

    def _refresh(self) -> None:
        try:
            with self._lock:
                built = self._built
                if built is None or self._timer() - built.at > self._ttl * REFRESH_AHEAD:
                    self._rebuild()
        except SQLAlchemyError:
            pass  # the database is away: the catalog expires, and requests say so
        finally:
            self._refreshing.release()

    def _rebuild(self) -> _Built:
        # Stamped before reading (and before looking for commits): a write committed during
        # the read makes it stale at once.
        generation, started = self._generation, self._timer()
        built = self._built
        quiet = self._unchanged is not None and self._unchanged()
        if quiet and built is not None and built.generation == generation:
            self._built = _Built(built.catalog, started, generation)
            return self._built
        with Session(self._engine) as db:
            self._built = _Built(read_catalog(db), started, generation)
        return self._built
