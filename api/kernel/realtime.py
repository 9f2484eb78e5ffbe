"""Pokes to open event streams when a change stream (a couple's, or a solo user's) moves, and
word that what a process may hold in memory about a user is stale.

A poke says only "the head of this space is now N": a hint to pull, never the data. A forget
says only "drop what you hold for user U" (a session revoked, a profile changed: see
api/security/session_cache.py). Both are sent once the write committed (never on rollback).
On SQLite, with one process, straight to this process; on PostgreSQL as a NOTIFY that every
API process listens for, sent by a thread of its own (NotifySender says why not from the
write transaction).

The pokes also keep `KnownHeads`: the newest head this process has heard of per space, so a
read that needs only "has anything changed?" can be answered without the database. A poke of
this process's own commit is noted at once, before its response goes out; another process's
within the NOTIFY's latency. Heads read from the database are noted too (they only grow, so
the larger wins), and what the feed may have missed is dropped: nothing is known while the
listener is away, and all is forgotten when it reconnects.
"""

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from cachetools import LRUCache

log = logging.getLogger("api.realtime")

CHANNEL = "attune_changes"
# Spaces are "c:<id>" or "u:<id>", so no poke's payload starts with this.
_FORGET = "forget:"
# Offered to every stream when pokes may have been missed (the listener lost its connection):
# "look the head up yourself". Lower than any head, so a real poke queued with it wins.
RESYNC = -1
RECONNECT_SECONDS = 1.0
# How long the listener waits for a notification before it looks whether it must stop: what
# closing a process (or each test's app) waits for it.
_LISTEN_POLL_SECONDS = 0.2
# Spaces whose head a process keeps: its recent callers' and what it heard of lately.
KNOWN_SPACES = 50_000


@dataclass(eq=False)
class Subscription:
    space: str
    loop: asyncio.AbstractEventLoop
    # Size one, newest wins: pokes coalesce, a slow reader only ever sees the latest head.
    heads: asyncio.Queue[int] = field(default_factory=lambda: asyncio.Queue(maxsize=1))

    def offer(self, head: int) -> None:
        # Pokes are sent after their commits, so an older head can arrive after a newer one.
        if self.heads.full():
            head = max(head, self.heads.get_nowait())
        self.heads.put_nowait(head)


class KnownHeads:
    """The newest head heard of per space (LRU-bounded: a space dropped is read again)."""

    def __init__(self, capacity: int = KNOWN_SPACES) -> None:
        self._heads: LRUCache[str, int] = LRUCache(maxsize=capacity)
        self._lock = threading.Lock()

    def note(self, space: str, head: int) -> None:
        with self._lock:
            if head > self._heads.get(space, -1):
                self._heads[space] = head

    def get(self, space: str) -> int | None:
        with self._lock:
            return self._heads.get(space)

    def clear(self) -> None:
        with self._lock:
            self._heads.clear()


class ChangeFeed:
    """This process's open streams, by space; on PostgreSQL fed by a NOTIFY listener that
    starts with the first stream."""

    def __init__(
        self, listen_dsn: str | None = None, connect_args: dict[str, Any] | None = None
    ) -> None:
        self._subscriptions: dict[str, set[Subscription]] = {}
        self._lock = threading.Lock()
        self._listen_dsn = listen_dsn
        self._connect_args = connect_args or {}
        self._listener: NotifyListener | None = None
        self._sender = (
            NotifySender(listen_dsn, self._connect_args) if listen_dsn is not None else None
        )
        self._forgetters: list[Callable[[str | None], None]] = []
        self._heads = KnownHeads()

    def subscribe(self, space: str, loop: asyncio.AbstractEventLoop) -> Subscription:
        """Blocks until the listener listens (the first time): call it off the event loop."""
        subscription = Subscription(space, loop)
        with self._lock:
            self._subscriptions.setdefault(space, set()).add(subscription)
        self.listen()
        if self._listener is not None:
            self._listener.ready.wait(timeout=5)
        return subscription

    def listen(self) -> None:
        """Start hearing other processes (on PostgreSQL), if not yet; does not wait."""
        with self._lock:
            if self._listen_dsn is not None and self._listener is None:
                self._listener = NotifyListener(self._listen_dsn, self._connect_args, self)
                self._listener.start()

    @property
    def hears_everything(self) -> bool:
        """Whether every forget committed from now on reaches this process: always with
        SQLite; on PostgreSQL while the listener is connected."""
        if self._listen_dsn is None:
            return True
        return self._listener is not None and self._listener.ready.is_set()

    def known_head(self, space: str) -> int | None:
        """The newest head of `space` this process heard of, while it hears every poke; None
        when it must be read from the database."""
        return self._heads.get(space) if self.hears_everything else None

    def note_head(self, space: str, head: int) -> None:
        """A head read from the database: at least as old as any poke still to come."""
        self._heads.note(space, head)

    def on_forget(self, forget: Callable[[str | None], None]) -> None:
        """Call `forget(user_id)` on every forget, from any process; `forget(None)` when
        some may have been missed (the listener reconnected): drop everything."""
        self._forgetters.append(forget)

    def forget(self, user_id: str) -> None:
        """What any process holds about `user_id` is stale: tell every process, this one at
        once (its next request must not wait for the NOTIFY to come back)."""
        self.deliver_forget(user_id)
        if self._sender is not None:
            self._sender.send(_FORGET + user_id)

    def deliver_forget(self, user_id: str | None) -> None:
        if user_id is None:
            self._heads.clear()
        for forget in self._forgetters:
            forget(user_id)

    def close(self) -> None:
        if self._listener is not None:
            self._listener.stop()
        if self._sender is not None:
            self._sender.stop()

    def poke(self, space: str, head: int) -> None:
        """A write to `space` committed, moving its head to `head`: tell every stream on it,
        in every process. This process knows of it at once, before the response goes out."""
        self._heads.note(space, head)
        if self._sender is None:
            self.publish(space, head)
        else:
            self._sender.send(f"{space}:{head}")

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.get(subscription.space, set()).discard(subscription)

    def publish(self, space: str, head: int) -> None:
        """To this process's streams. Thread-safe: called from request threads and from the
        NOTIFY listener."""
        self._heads.note(space, head)
        with self._lock:
            targets = list(self._subscriptions.get(space, ()))
        for subscription in targets:
            subscription.loop.call_soon_threadsafe(subscription.offer, head)

    def resync(self) -> None:
        """Pokes may have been lost: every stream of this process looks its head up again."""
        with self._lock:
            targets = [s for subscriptions in self._subscriptions.values() for s in subscriptions]
        for subscription in targets:
            subscription.loop.call_soon_threadsafe(subscription.offer, RESYNC)


class NotifyListener:
    """A thread that LISTENs on PostgreSQL and hands every poke to the feed."""

    def __init__(self, dsn: str, connect_args: dict[str, Any], feed: ChangeFeed) -> None:
        self._dsn, self._connect_args, self._feed = dsn, connect_args, feed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="notify-listener", daemon=True)
        self.ready = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        lost = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, **self._connect_args) as listening:
                    listening.execute(f"LISTEN {CHANNEL}")
                    # Forgets sent while no one listened are lost: drop everything instead.
                    self._feed.deliver_forget(None)
                    self.ready.set()
                    if lost:
                        # Pokes sent while no one listened are gone: streams look heads up.
                        log.info("notify listener reconnected")
                        self._feed.resync()
                        lost = False
                    while not self._stop.is_set():
                        for note in listening.notifies(timeout=_LISTEN_POLL_SECONDS):
                            self._hand_on(note.payload)
            except psycopg.Error as error:
                lost = True
                self.ready.clear()
                log.warning("notify listener reconnecting", extra={"error": type(error).__name__})
                self._stop.wait(RECONNECT_SECONDS)

    def _hand_on(self, payload: str) -> None:
        if payload.startswith(_FORGET):
            self._feed.deliver_forget(payload.removeprefix(_FORGET))
            return
        space, _, head = payload.rpartition(":")
        self._feed.publish(space, int(head))


class NotifySender:
    """A thread that sends this process's pokes as NOTIFY, on a connection of its own.

    Not from the write transaction: PostgreSQL serializes the commits of transactions that
    notify under one lock, held while each waits for its WAL flush, so every write of every
    couple would queue behind every other (48 answers/s, bench/RESULTS.md). Here the pokes
    go in batches, in transactions that do not wait for the flush: a poke lost in a crash
    costs nothing, as clients pull when they reconnect.
    """

    def __init__(self, dsn: str, connect_args: dict[str, Any]) -> None:
        self._dsn, self._connect_args = dsn, connect_args
        self._pokes: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="notify-sender", daemon=True)
        self._start = threading.Lock()

    def send(self, payload: str) -> None:
        with self._start:
            if not self._thread.is_alive():
                self._thread.start()
        self._pokes.put(payload)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._pokes.put(None)
            self._thread.join(timeout=5)

    def _run(self) -> None:
        batch: list[str] = []
        while True:
            try:
                with psycopg.connect(self._dsn, autocommit=True, **self._connect_args) as sending:
                    while True:
                        if not batch and not self._next_batch(batch):
                            return
                        with sending.transaction():
                            # LOCAL: behind PgBouncer a session setting would stay on a
                            # server connection that other clients' writes then use.
                            sending.execute("SET LOCAL synchronous_commit TO OFF")
                            for payload in batch:
                                sending.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                        batch.clear()
            except psycopg.Error as error:
                # The batch is tried again on the next connection.
                log.warning("notify sender reconnecting", extra={"error": type(error).__name__})
                threading.Event().wait(RECONNECT_SECONDS)

    def _next_batch(self, batch: list[str]) -> bool:
        """Waits for a poke, then takes every one already queued; False once stopped."""
        poke = self._pokes.get()
        while poke is not None:
            batch.append(poke)
            try:
                poke = self._pokes.get_nowait()
            except queue.Empty:
                return True
        return False
