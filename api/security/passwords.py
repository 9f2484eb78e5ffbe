"""Password hashing: Argon2id through passlib's CryptContext (installed from libpass).

Hashing costs ~19 MiB and tens of milliseconds, so callers run it off the event loop
(sync endpoints run in the threadpool) and a small pool of threads of its own caps how many
run at once: a login storm queues instead of exhausting memory.
"""

import ctypes
import os
import secrets
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

from passlib.context import CryptContext

MIN_LENGTH = 12
MAX_LENGTH = 256


def _load_common_passwords() -> frozenset[str]:
    text = resources.files("api.security").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().casefold() for line in text.splitlines() if line and not line.startswith("#")
    )


COMMON_PASSWORDS = _load_common_passwords()


def is_common(password: str) -> bool:
    folded = password.casefold()
    return folded in COMMON_PASSWORDS or len(set(folded)) <= 2


# Below the requests' priority: under a login burst the CPU goes to serving requests first,
# and logins take what is left (bench/RESULTS.md: /v1/me p99 while 16 logins/s run).
HASHING_NICENESS = 10
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def _lower_this_threads_priority() -> None:
    if sys.platform == "linux":  # where the niceness of one thread can be set
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


def _map_large_blocks_afresh() -> None:
    """glibc raises its mmap threshold to the size of each large block freed, so from the
    second hash on, Argon2's ~19 MiB blocks come from the heap and stay there when freed (a
    worker grew by 77 MB in a login burst, bench/RESULTS.md). A fixed 1 MiB threshold maps
    every such block for its hash alone and gives it back after."""
    if sys.platform == "linux":
        mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
        if mallopt is not None:
            mallopt(_M_MMAP_THRESHOLD, 1 << 20)


class PasswordHasher:
    def __init__(self, *, memory_kib: int, time_cost: int, concurrency: int) -> None:
        self._context = CryptContext(
            schemes=["argon2"],
            argon2__type="ID",
            argon2__memory_cost=memory_kib,
            argon2__time_cost=time_cost,
            argon2__parallelism=1,
        )
        # Hashes run on `concurrency` threads of their own, the callers waiting their turn.
        # That caps them, and keeps their memory in those threads' malloc arenas: run on
        # whichever request thread asked, each ~19 MiB block stayed behind in another arena,
        # and a burst of logins left a worker 300 MB larger (bench/RESULTS.md).
        _map_large_blocks_afresh()
        self._threads = ThreadPoolExecutor(
            concurrency, thread_name_prefix="argon2", initializer=_lower_this_threads_priority
        )
        # Unknown emails are checked against this, so they cost what a real account costs.
        self._dummy_hash = self.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return str(self._threads.submit(self._context.hash, password).result())

    def verify(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        """(matches, a new hash when the stored one uses outdated parameters)."""
        if password_hash is None:
            self._threads.submit(self._context.verify, password, self._dummy_hash).result()
            return False, None
        checked = self._threads.submit(self._context.verify_and_update, password, password_hash)
        matches, new_hash = checked.result()
        return bool(matches), new_hash
