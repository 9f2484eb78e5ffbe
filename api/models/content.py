"""The content tables: themes, exercises and their immutable versions, journeys.

An exercise's row says where it stands (theme, current version, retired); each version holds
what was published: its type, what it works on (`mechanism`) and how deep it goes (`depth`),
the type's fields as JSON, readable as `EXERCISE_SPEC` with the exercise id, plus its
translations. Assignments name (exercise id, version), so
the version a couple was given never changes under them.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, String
from sqlmodel import Field, SQLModel

from api.models.base import UTCDateTime


def _json() -> Column[Any]:
    return Column(JSON, nullable=False)


# `source_digest` on a row: a digest of the file item it was last loaded from, so a load changes
# only what the files changed and leaves edits made through the API alone. Null when the row was
# made through the API.


class Theme(SQLModel, table=True):
    slug: str = Field(primary_key=True, max_length=64)
    title: str = Field(max_length=120)
    description: str = Field(max_length=1000)
    sensitive: bool = False
    # {language: {title, description}}
    translations: dict[str, Any] = Field(default_factory=dict, sa_column=_json())
    source_digest: str | None = Field(default=None, max_length=64)


class Exercise(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    theme_slug: str = Field(
        sa_column=Column(String(64), ForeignKey("theme.slug"), nullable=False, index=True)
    )
    current_version: int
    # Retired exercises are no longer offered, but stay readable for the assignments that hold them.
    retired: bool = False
    source_digest: str | None = Field(default=None, max_length=64)


class ExerciseVersion(SQLModel, table=True):
    """One published version of an exercise: never changed once written."""

    __tablename__ = "exercise_version"

    exercise_id: str = Field(
        sa_column=Column(
            String(64), ForeignKey("exercise.id", ondelete="CASCADE"), primary_key=True
        )
    )
    version: int = Field(primary_key=True)
    type: str = Field(max_length=16)
    # Columns of their own, not in `body`: daily delivery and reports select by them. Null only
    # in versions published before exercises were tagged.
    mechanism: str | None = Field(default=None, max_length=32)
    depth: int | None = None
    # The type's fields and English texts, e.g. {"title", "prompt", "why", "options", ...}.
    body: dict[str, Any] = Field(sa_column=_json())
    # {language: ExerciseTranslation}
    translations: dict[str, Any] = Field(default_factory=dict, sa_column=_json())
    published_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Journey(SQLModel, table=True):
    slug: str = Field(primary_key=True, max_length=64)
    title: str = Field(max_length=120)
    description: str = Field(max_length=1000)
    # Exercise ids, one per day, in order.
    days: list[str] = Field(sa_column=_json())
    # {language: {title, description}}
    translations: dict[str, Any] = Field(default_factory=dict, sa_column=_json())
    # Retired journeys are no longer offered; couples already on one can finish it.
    retired: bool = False
    source_digest: str | None = Field(default=None, max_length=64)


CONTENT_TABLES = frozenset(
    {
        Theme.__tablename__,
        Exercise.__tablename__,
        ExerciseVersion.__tablename__,
        Journey.__tablename__,
    }
)
