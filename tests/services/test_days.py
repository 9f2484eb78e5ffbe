"""The couple's local day across day starts, daylight saving changes and the date line."""

from datetime import UTC, date, datetime

import pytest

from api.kernel.days import local_day


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "start", "moment", "expected"),
    [
        # 01:00 in Paris still belongs to the evening before with a 04:00 start.
        ("Europe/Paris", "04:00", utc(2026, 3, 10, 0, 0), date(2026, 3, 9)),
        ("Europe/Paris", "04:00", utc(2026, 3, 10, 3, 0), date(2026, 3, 10)),
        ("Europe/Paris", "00:00", utc(2026, 3, 9, 23, 30), date(2026, 3, 10)),
        # Spring forward (Paris, 29 March 2026, 02:00 -> 03:00): the day starts at 04:00 local,
        # which is 02:00 UTC that morning instead of 03:00.
        ("Europe/Paris", "04:00", utc(2026, 3, 29, 1, 59), date(2026, 3, 28)),
        ("Europe/Paris", "04:00", utc(2026, 3, 29, 2, 0), date(2026, 3, 29)),
        # Fall back (New York, 1 November 2026, 02:00 -> 01:00): 01:30 happens twice, both
        # still the previous day with a 04:00 start.
        ("America/New_York", "04:00", utc(2026, 11, 1, 5, 30), date(2026, 10, 31)),
        ("America/New_York", "04:00", utc(2026, 11, 1, 6, 30), date(2026, 10, 31)),
        ("America/New_York", "04:00", utc(2026, 11, 1, 9, 0), date(2026, 11, 1)),
        # A day start inside the skipped hour begins the day at the first wall time after it.
        ("America/New_York", "02:30", utc(2026, 3, 8, 6, 59), date(2026, 3, 7)),
        ("America/New_York", "02:30", utc(2026, 3, 8, 7, 0), date(2026, 3, 8)),
        # Across the date line the same instant is two different days.
        ("Pacific/Kiritimati", "04:00", utc(2026, 6, 1, 16, 0), date(2026, 6, 2)),
        ("Pacific/Pago_Pago", "04:00", utc(2026, 6, 1, 16, 0), date(2026, 6, 1)),
        # Half-hour zones.
        ("Asia/Kolkata", "04:00", utc(2026, 6, 1, 22, 29), date(2026, 6, 1)),
        ("Asia/Kolkata", "04:00", utc(2026, 6, 1, 22, 30), date(2026, 6, 2)),
    ],
)
def test_local_day(zone: str, start: str, moment: datetime, expected: date) -> None:
    assert local_day(zone, start, moment) == expected
