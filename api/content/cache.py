"""The catalog one process serves from, and when it is rebuilt.

Built on first use, rebuilt as soon as a content write of this process commits, and at most
`ttl_seconds` behind writes made by other processes. Reading it costs no query.
"""

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, event
from sqlmodel import Session

from api.content.catalog import Catalog, read_catalog


@dataclass(frozen=True)
class _Built:
    catalog: Catalog
    at: float
    generation: int


class CatalogCache:
    def __init__(
        self, engine: Engine, ttl_seconds: float, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self._engine, self._ttl, self._timer = engine, ttl_seconds, timer
        self._lock = threading.Lock()
        self._generations = itertools.count(1)
        self._generation = 0
        self._built: _Built | None = None

    def fresh(self) -> Catalog | None:
        """The catalog if no rebuild is due, without waiting or reading: None otherwise."""
        built = self._built
        return built.catalog if built is not None and self._is_fresh(built) else None

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

    def _rebuild(self) -> _Built:
        # Stamped before reading: a write committed during the read makes it stale at once.
        generation, started = self._generation, self._timer()
        with Session(self._engine) as db:
            self._built = _Built(read_catalog(db), started, generation)
        return self._built
