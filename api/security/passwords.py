"""Password hashing: Argon2id through passlib's CryptContext (installed from libpass).

Hashing costs ~19 MiB and tens of milliseconds, so callers run it off the event loop
(sync endpoints run in the threadpool) and a semaphore caps how many run at once: a
login storm queues instead of exhausting memory.
"""

import secrets
import threading
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


class PasswordHasher:
    def __init__(self, *, memory_kib: int, time_cost: int, concurrency: int) -> None:
        self._context = CryptContext(
            schemes=["argon2"],
            argon2__type="ID",
            argon2__memory_cost=memory_kib,
            argon2__time_cost=time_cost,
            argon2__parallelism=1,
        )
        self._slots = threading.BoundedSemaphore(concurrency)
        # Unknown emails are checked against this, so they cost what a real account costs.
        self._dummy_hash = self.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        with self._slots:
            return str(self._context.hash(password))

    def verify(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        """(matches, a new hash when the stored one uses outdated parameters)."""
        with self._slots:
            if password_hash is None:
                self._context.verify(password, self._dummy_hash)
                return False, None
            matches, new_hash = self._context.verify_and_update(password, password_hash)
        return bool(matches), new_hash
