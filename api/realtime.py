"""Pokes to open event streams when a change stream (a couple's, or a solo user's) moves.

A poke says only "the head of this space is now N": a hint to pull, never the data. On
PostgreSQL the write transaction itself sends NOTIFY, which is delivered on commit (and not
at all on rollback) to every API process listening; on SQLite, with one process, the
session publishes after it commits.
"""

import asyncio
import logging
import threading
from dataclasses import dataclass, field

import psycopg

log = logging.getLogger("api.realtime")

CHANNEL = "attune_changes"


@dataclass(eq=False)
class Subscription:
    space: str
    loop: asyncio.AbstractEventLoop
    # Size one, newest wins: pokes coalesce, a slow reader only ever sees the latest head.
    heads: asyncio.Queue[int] = field(default_factory=lambda: asyncio.Queue(maxsize=1))

    def offer(self, head: int) -> None:
        if self.heads.full():
            self.heads.get_nowait()
        self.heads.put_nowait(head)


class ChangeFeed:
    """This process's open streams, by space; on PostgreSQL fed by a NOTIFY listener that
    starts with the first stream."""

    def __init__(self, listen_dsn: str | None = None) -> None:
        self._subscriptions: dict[str, set[Subscription]] = {}
        self._lock = threading.Lock()
        self._listen_dsn = listen_dsn
        self._listener: NotifyListener | None = None

    def subscribe(self, space: str, loop: asyncio.AbstractEventLoop) -> Subscription:
        """Blocks until the listener listens (the first time): call it off the event loop."""
        subscription = Subscription(space, loop)
        with self._lock:
            self._subscriptions.setdefault(space, set()).add(subscription)
            if self._listen_dsn is not None and self._listener is None:
                self._listener = NotifyListener(self._listen_dsn, self)
                self._listener.start()
        if self._listener is not None:
            self._listener.ready.wait(timeout=5)
        return subscription

    def close(self) -> None:
        if self._listener is not None:
            self._listener.stop()

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.get(subscription.space, set()).discard(subscription)

    def publish(self, space: str, head: int) -> None:
        """Thread-safe: called from request threads and from the NOTIFY listener."""
        with self._lock:
            targets = list(self._subscriptions.get(space, ()))
        for subscription in targets:
            subscription.loop.call_soon_threadsafe(subscription.offer, head)


class NotifyListener:
    """A thread that LISTENs on PostgreSQL and hands every poke to the feed."""

    def __init__(self, dsn: str, feed: ChangeFeed) -> None:
        self._dsn, self._feed = dsn, feed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="notify-listener", daemon=True)
        self.ready = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self.ready.set()
                    while not self._stop.is_set():
                        for note in connection.notifies(timeout=1.0):
                            space, _, head = note.payload.rpartition(":")
                            self._feed.publish(space, int(head))
            except psycopg.Error:
                # Lost pokes cost latency, never data: clients also pull on (re)connect.
                log.warning("notify listener reconnecting")
                self._stop.wait(1.0)
