"""Field and parameter types shared by several routes and the content files: time zones,
locales, local times, dates, ids in paths."""

import re
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, BeforeValidator, Field

# Fixed-offset zones are valid IANA names but would drift from the people's real local time;
# "Factory" is a placeholder for machines whose zone was never set, in no place at all.
_FIXED_OFFSET = re.compile(r"^(Etc/)?GMT[+-]\d+$")
_NOT_A_PLACE = frozenset({"Factory"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    # The IANA names as the tzdata package lists them, not zoneinfo.available_timezones(): that
    # one also walks the host's zone directory, where "localtime" and "posixrules" are files
    # too, and "localtime" would follow whatever zone the server happens to run in.
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return frozenset(
        zone for zone in listed if not _FIXED_OFFSET.match(zone) and zone not in _NOT_A_PLACE
    )


def _known_zone(name: str) -> str:
    if name not in _zones():
        raise ValueError("must be an IANA time zone name such as Europe/Paris")
    return name


TimeZoneName = Annotated[
    str,
    Field(max_length=64, examples=["Europe/Paris"], description="An IANA time zone name."),
    AfterValidator(_known_zone),
]
Locale = Annotated[
    str,
    Field(
        min_length=2,
        max_length=35,
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        examples=["en", "es-MX"],
        description="A BCP 47 language tag.",
    ),
]
LocalTime = Annotated[
    str,
    Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["20:30"], description="HH:MM, local."),
]
DisplayName = Annotated[str, Field(min_length=1, max_length=80, examples=["Sam"], pattern=r"\S")]


def _iso_date(value: object) -> object:
    # Pydantic alone also takes "0" (a Unix time) for a date; the document promises YYYY-MM-DD.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date, YYYY-MM-DD")
    return value


# A local date in a query: exactly YYYY-MM-DD.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]

# An id or slug in a path: none the API hands out is longer (client-chosen ids included).
PathId = Annotated[str, Path(max_length=64)]
