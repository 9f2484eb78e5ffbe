"""Moving-window rate counts held in this process, for when there is no Redis to share them.

The same rule as `limits`' moving window (a hit is allowed while fewer than `limit` hits fall
in the last `window` seconds), at a constant cost per hit. `limits`' own memory storage
sweeps every key a hundred times a second from a timer thread: with a few thousand active
callers that sweep took half the process's CPU. Here a key's old hits go when the key is
next hit, and keys nobody hit for a whole window are dropped once a minute.
"""

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

SWEEP_SECONDS = 60.0


@dataclass
class _Window:
    seconds: float
    hits: deque[float] = field(default_factory=deque)  # oldest first

    def forget_before(self, moment: float) -> None:
        while self.hits and self.hits[0] < moment:
            self.hits.popleft()


@dataclass(frozen=True)
class Count:
    allowed: bool
    remaining: int
    reset_at: float  # when the oldest hit in the window leaves it


class MovingWindows:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self._next_sweep = clock() + SWEEP_SECONDS

    def hit(self, key: str, limit: int, seconds: float) -> Count:
        """Count a hit on `key` unless `limit` hits already fall in the last `seconds`."""
        now = self._clock()
        with self._lock:
            window = self._windows.get(key)
            if window is None:
                window = self._windows[key] = _Window(seconds)
            window.forget_before(now - seconds)
            allowed = len(window.hits) < limit
            if allowed:
                window.hits.append(now)
            reset_at = window.hits[0] + seconds if window.hits else now + seconds
            if now >= self._next_sweep:
                self._sweep(now)
        return Count(allowed, max(0, limit - len(window.hits)), reset_at)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + SWEEP_SECONDS
        idle = [k for k, w in self._windows.items() if not w.hits or w.hits[-1] < now - w.seconds]
        for key in idle:
            del self._windows[key]
