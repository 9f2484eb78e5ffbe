"""The time, from one place, so tests can move it instead of waiting."""

from datetime import UTC, datetime


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)
