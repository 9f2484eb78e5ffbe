"""The couple's day: a local date in an IANA zone that starts at `day_starts_at`, not midnight.

With the default 04:00, an answer at 1 a.m. still counts for the evening before. The shift
is applied to the wall clock, so a day begins when the local clock reads `day_starts_at`,
whatever daylight saving did overnight.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_DAY_START = "04:00"


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_local_time(hh_mm: str) -> time:
    hours, minutes = hh_mm.split(":")
    return time(int(hours), int(minutes))


def local_day(zone: str, day_starts_at: str, now: datetime) -> date:
    start = parse_local_time(day_starts_at)
    wall = now.astimezone(_zone(zone)).replace(tzinfo=None)
    return (wall - timedelta(hours=start.hour, minutes=start.minute)).date()
