"""The tables. Importing this package registers every table on SQLModel.metadata."""

from api.models.account import AuthSession, MailToken, RefreshToken, User
from api.models.assignment import Answer, Assignment, CheckIn, Comment, Reaction
from api.models.base import metadata
from api.models.content import Exercise, ExerciseVersion, Journey, Theme
from api.models.couple import Couple, CoupleMember, Invite
from api.models.idempotency import IdempotencyRecord

__all__ = [
    "Answer",
    "Assignment",
    "CheckIn",
    "Comment",
    "IdempotencyRecord",
    "Reaction",
    "AuthSession",
    "Couple",
    "CoupleMember",
    "Exercise",
    "ExerciseVersion",
    "Invite",
    "Journey",
    "MailToken",
    "RefreshToken",
    "Theme",
    "User",
    "metadata",
]
