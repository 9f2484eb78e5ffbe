"""Session checks answered from memory (SPEC.md §7): per process, "this login session (or API
token) is live", with the caller's user and couple.

Every revocation (logout, password change or reset, a family revoked on reuse, erasure,
unlink, a token revoked) and every change to a user row is a *forget* once it commits: sent on
the change feed (api/kernel/realtime.py: NOTIFY on PostgreSQL, in process on SQLite), it drops what
every process holds for that user within the feed's latency. An entry is also read again from
the database once it is `recheck_seconds` old, so a lost forget cannot keep a revoked session
alive longer than that. Nothing is served from memory while the feed could miss forgets.

The couple is trusted from memory only at the head it was read at: every change to a couple
row moves its head (api/kernel/changes.py), and each hit reads the heads anyway (a conditional
read's ETag is made of them), so a couple read at another head is read again.

`identity_in_memory` goes one step further for the hot reads: the heads too come from memory,
from what the change feed told this process (api/kernel/realtime.py, KnownHeads), so a read
that finds its body kept needs no database at all. Every head read here is told to the feed.

Login sessions in use are checked again in bulk, by a thread of the cache's own, every half
re-check interval (`Recheck`: one query for up to 500 sessions): a phone that polls keeps its
entry fresh without a request ever waiting for the check, however many phones there are, and
the heads read with it mend any poke that was lost. The check reads plain columns, not rows
(`Liveness`): an entry whose user row still reads the same is only marked fresh, one that
reads otherwise is dropped for its next request to read again. Loading thousands of rows
through the ORM every few seconds took the event loop's GIL for long enough to put hundreds of
milliseconds on the p99 of every hot read (bench/RESULTS.md). A session is dropped from memory
once it goes unused for a minute; an API token is checked again by its next request, as before.

On a SQLite file the check is skipped while nothing at all was committed since the last one
(`unchanged`, SQLite's data_version): what it found then still holds. There the query itself is
the cost: SQLite's driver lets go of the GIL for every row it steps, and each row then waits
for the event loop to hand it back, so under load 4,300 sessions took seconds to check instead
of 60 ms, and entries aged out before they were renewed (bench/RESULTS.md).
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, event
from sqlalchemy import inspect as mapped
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from api.kernel.changes import couple_space, solo_space
from api.kernel.realtime import ChangeFeed
from api.models import Couple, User

log = logging.getLogger("api.session_cache")

_PENDING = "pending_forgets"
# Beyond this many entries, stale ones are dropped (and all, if that is not enough): a process
# never holds more than its recent callers.
_MAX_ENTRIES = 20_000
_SESSION = "session:"
# A login session unused this long is no longer checked in the background: dropped instead.
_IDLE_SECONDS = 60.0
_RECHECK_BATCH = 500


@dataclass(frozen=True)
class Heads:
    """The heads of the caller's change streams, read with the session check."""

    solo: int
    couple: int | None


@dataclass(frozen=True)
class Identity:
    """What a live credential stands for. `token_scopes` is None for a login session."""

    user: User
    couple: Couple | None
    credential_id: str
    token_scopes: tuple[str, ...] | None
    # Memory stops answering for it then: the credential expires, or (an API token) its use is
    # due to be written down again.
    trusted_until: datetime
    heads: Heads


# What the background check compares of a user row: every column but its head, which moves
# with every solo write (api/kernel/changes.py) and is read as a head.
USER_STATE_COLUMNS = tuple(
    column for key, column in mapped(User).columns.items() if key != "head_seq"
)
_USER_STATE_KEYS = tuple(key for key in mapped(User).columns.keys() if key != "head_seq")


def user_state(user: User) -> tuple[Any, ...]:
    """A user row's values in USER_STATE_COLUMNS' order."""
    return tuple(getattr(user, key) for key in _USER_STATE_KEYS)


@dataclass(frozen=True)
class Liveness:
    """What the background check reads of a login session still live."""

    expires_at: datetime
    user_state: tuple[Any, ...]
    heads: Heads


# Checks a batch of login sessions at once: those still live, by session id.
Recheck = Callable[[list[str], datetime], dict[str, Liveness]]


@dataclass(frozen=True)
class _Entry:
    identity: Identity  # its rows belong to no session: each hit merges copies into its own
    checked_at: float
    user_state: tuple[Any, ...]  # of identity.user, for the background check to compare


_HEADS = select(
    select(User.head_seq).where(User.id == bindparam("user_id")).scalar_subquery(),
    select(Couple.head_seq).where(Couple.id == bindparam("couple_id")).scalar_subquery(),
)


class SessionCache:
    def __init__(
        self,
        recheck_seconds: float,
        feed: ChangeFeed,
        recheck: Recheck | None = None,
        now: Callable[[], datetime] | None = None,
        timer: Callable[[], float] = time.monotonic,
        unchanged: Callable[[], bool] | None = None,
    ) -> None:
        self._recheck, self._feed, self._timer = recheck_seconds, feed, timer
        # Whether nothing was committed to the database since its previous call, where that
        # can be told; and since when (by `timer`) the background check found nothing ended.
        self._unchanged = unchanged
        self._checked_since: float | None = None
        self._entries: dict[str, _Entry] = {}
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()
        self._generation = 0
        # The generation of each user's latest forget, while a background check is running.
        self._forgotten: dict[str | None, int] = {}
        self._recheck_sessions, self._now = recheck, now
        self._stop = threading.Event()
        self._checker: threading.Thread | None = None
        feed.on_forget(self.forget)

    def identity(
        self, db: Session, key: str, now: datetime, check: Callable[[], Identity]
    ) -> Identity:
        """The identity behind credential `key`: from memory when a fresh entry holds it,
        else from `check()` (the database), remembered for the next requests."""
        entry = self._entries.get(key)
        if entry is not None and self._usable(entry, now):
            found = self._from_memory(db, key, entry)
            if found is not None:
                self._used[key] = self._timer()
                return found
        generation, asked_at = self._generation, self._timer()
        identity = check()
        self._note_heads(identity.user.id, identity.heads, identity.couple)
        if self._recheck > 0:
            if self._feed.hears_everything:
                self._remember(key, identity, generation, asked_at)
            else:
                self._feed.listen()  # remembered from the next checks on, once it hears
        return identity

    def identity_in_memory(self, key: str, now: datetime) -> Identity | None:
        """The identity behind `key` from memory alone: a fresh entry, with the heads this
        process knows of its spaces; None when the database must be asked (no fresh entry, a
        head unknown, the couple held at another head than the known one)."""
        entry = self._entries.get(key)
        if entry is None or not self._usable(entry, now):
            return None
        self._used[key] = self._timer()
        held = entry.identity
        solo = self._feed.known_head(solo_space(held.user.id))
        if solo is None:
            return None
        if held.couple is None:
            return replace(held, heads=Heads(solo, None))
        couple_head = self._feed.known_head(couple_space(held.couple.id))
        if couple_head is None or couple_head != held.couple.head_seq:
            return None
        return replace(held, heads=Heads(solo, couple_head))

    def _note_heads(self, user_id: str, heads: Heads, couple: Couple | None) -> None:
        self._feed.note_head(solo_space(user_id), heads.solo)
        if couple is not None and heads.couple is not None:
            self._feed.note_head(couple_space(couple.id), heads.couple)

    def forget(self, user_id: str | None) -> None:
        """Drop what is held for `user_id` (None: everything). A check that started before is
        not remembered: it may have read the database before the change committed."""
        with self._lock:
            self._generation += 1
            if self._checker is not None:
                self._forgotten[user_id] = self._generation
            if user_id is None:
                self._entries.clear()
                return
            for key in [k for k, e in self._entries.items() if e.identity.user.id == user_id]:
                del self._entries[key]

    def close(self) -> None:
        """Stop checking in the background."""
        self._stop.set()
        if self._checker is not None:
            self._checker.join(timeout=5)

    def recheck_in_use(self) -> None:
        """Check every login session in use against the database again, at once; drop those
        that ended and those no one used for a while. What the background thread does."""
        assert self._recheck_sessions is not None and self._now is not None
        # What a quiet look renews holds as of the look (`looked_at`); what the full check
        # reads, as of after it (`started`), so a commit after the look is found by the next.
        looked_at = self._timer()
        quiet = self._unchanged is not None and self._unchanged()
        started, now = self._timer(), self._now()
        with self._lock:
            generation = self._generation
            self._forgotten.clear()
            idle = [k for k in self._entries if started - self._used.get(k, 0) > _IDLE_SECONDS]
            for key in idle:
                del self._entries[key]
            self._used = {k: used for k, used in self._used.items() if k in self._entries}
            keys = [k for k in self._entries if k.startswith(_SESSION)]
            if quiet and self._checked_since is not None:
                self._renew_unchanged(keys, self._checked_since, looked_at)
                return
        self._checked_since = None
        for first in range(0, len(keys), _RECHECK_BATCH):
            batch = keys[first : first + _RECHECK_BATCH]
            live = self._recheck_sessions([k.removeprefix(_SESSION) for k in batch], now)
            for identity, heads in self._renew(batch, live, generation, started):
                self._note_heads(identity.user.id, heads, identity.couple)
        self._checked_since = started

    def _renew_unchanged(self, keys: list[str], since: float, checked_at: float) -> None:
        """Nothing was committed since `since`: an entry checked since then still holds. One
        asked for earlier and not yet checked in the background ages out as usual."""
        for key in keys:
            held = self._entries.get(key)
            if held is not None and held.checked_at >= since:
                self._entries[key] = replace(held, checked_at=checked_at)

    def _renew(
        self, keys: list[str], live: dict[str, Liveness], generation: int, checked_at: float
    ) -> list[tuple[Identity, Heads]]:
        """Mark fresh the entries the check found unchanged, drop the others; the heads read
        for those kept, to be noted once the lock is let go."""
        kept: list[tuple[Identity, Heads]] = []
        with self._lock:
            if self._forgotten.get(None, 0) > generation:
                return kept  # everything was forgotten meanwhile: nothing read before may count
            for key in keys:
                held = self._entries.get(key)
                if held is None:
                    continue  # forgotten (or dropped) while checked: not brought back
                found = live.get(key.removeprefix(_SESSION))
                if (
                    found is None
                    or found.user_state != held.user_state
                    or found.expires_at != held.identity.trusted_until
                ):
                    del self._entries[key]  # ended, or changed: its next request reads it again
                elif self._forgotten.get(held.identity.user.id, 0) <= generation:
                    self._entries[key] = replace(held, checked_at=checked_at)
                    kept.append((held.identity, found.heads))
        return kept

    def _check_in_background(self) -> None:
        failing = False
        while not self._stop.wait(self._recheck / 2):
            try:
                self.recheck_in_use()
            except SQLAlchemyError as error:
                # The database is away: entries age out meanwhile, and requests say so.
                if not failing:
                    log.warning(
                        "background session checks fail", extra={"error": type(error).__name__}
                    )
                failing = True
            else:
                failing = False

    def _start_checking(self) -> None:
        if self._checker is None and self._recheck_sessions is not None and self._now is not None:
            self._checker = threading.Thread(
                target=self._check_in_background, name="session-recheck", daemon=True
            )
            self._checker.start()

    def _usable(self, entry: _Entry, now: datetime) -> bool:
        fresh = self._timer() - entry.checked_at < self._recheck
        return fresh and now < entry.identity.trusted_until and self._feed.hears_everything

    def _from_memory(self, db: Session, key: str, entry: _Entry) -> Identity | None:
        held = entry.identity
        couple_id = held.couple.id if held.couple is not None else None
        heads = read_heads(db, held.user.id, couple_id)
        if heads is None:
            return None  # the account is gone: let the database say so
        self._note_heads(held.user.id, heads, held.couple)
        couple_head = heads.couple
        couple = held.couple
        if couple is not None and couple.head_seq != couple_head:
            couple = db.exec(select(Couple).where(Couple.id == couple_id)).first()
            if couple is None:
                return None
            held = replace(held, couple=_detached(couple))
            with self._lock:
                if self._entries.get(key) is entry:
                    self._entries[key] = replace(entry, identity=held)
        else:
            couple = None if couple is None else db.merge(couple, load=False)
        # The identity map holds rows weakly: the session keeps the couple for the request.
        db.info["caller_couple"] = couple
        user = db.merge(held.user, load=False)
        return replace(held, user=user, couple=couple, heads=heads)

    def _remember(self, key: str, identity: Identity, generation: int, asked_at: float) -> None:
        held = _held(identity)
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= _MAX_ENTRIES:
                self._drop_stale()
            # As old as the question: what was committed while it was read may not be in it.
            self._entries[key] = _Entry(held, asked_at, user_state(held.user))
            self._used[key] = self._timer()
            if self._checker is None:
                self._start_checking()

    def _drop_stale(self) -> None:
        oldest = self._timer() - self._recheck
        self._entries = {k: e for k, e in self._entries.items() if e.checked_at > oldest}
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()


def _held(identity: Identity) -> Identity:
    """What an entry holds: the identity with rows that belong to no session."""
    return replace(
        identity,
        user=_detached(identity.user),
        couple=None if identity.couple is None else _detached(identity.couple),
    )


def read_heads(db: Session, user_id: str, couple_id: str | None) -> Heads | None:
    """The heads of a user's solo stream and of their couple's, now; None if the user is gone."""
    solo, couple = db.execute(_HEADS, {"user_id": user_id, "couple_id": couple_id}).one()
    return None if solo is None else Heads(int(solo), None if couple is None else int(couple))


def _detached(row: Any) -> Any:
    """A copy of a loaded row that belongs to no session, so no request can change it."""
    with Session() as scratch:
        copy = scratch.merge(row, load=False)
        scratch.expunge(copy)
    return copy


def forget_on_commit(db: Session, user_ids: Iterable[str]) -> None:
    """Once `db` commits, every process drops what it holds for these users."""
    pending: set[str] | None = db.info.get(_PENDING)
    if pending is None:
        pending = db.info[_PENDING] = set()
        event.listen(db, "after_commit", _send_pending, once=True)
    pending.update(user_ids)


def _send_pending(db: Session) -> None:
    feed = db.info.get("feed")
    for user_id in db.info.pop(_PENDING, set()):
        if feed is not None:
            feed.forget(user_id)


@event.listens_for(Session, "after_flush")
def _forget_changed_users(db: Session, _context: Any) -> None:
    """A user row written through the ORM (a profile, a verified email, a couple joined, a
    password) is stale in every cache."""
    changed = [row.id for row in (*db.dirty, *db.deleted) if isinstance(row, User)]
    if changed:
        forget_on_commit(db, changed)
