"""The tables. Importing this package registers every table on SQLModel.metadata."""

from api.models.account import AuthSession, MailToken, RefreshToken, User
from api.models.assignment import Answer, Assignment, CheckIn, Comment, Reaction
from api.models.base import metadata
from api.models.content import Exercise, ExerciseVersion, Journey, Theme
from api.models.couple import Couple, CoupleMember, Invite
from api.models.idempotency import IdempotencyRecord
from api.models.notification import Device, Notification, NotificationKind
from api.models.sync import AnswerRevision, Tombstone
from api.models.token import ApiToken

__all__ = [
    "Answer",
    "AnswerRevision",
    "Tombstone",
    "ApiToken",
    "Assignment",
    "CheckIn",
    "Comment",
    "IdempotencyRecord",
    "Reaction",
    "AuthSession",
    "Couple",
    "CoupleMember",
    "Device",
    "Exercise",
    "ExerciseVersion",
    "Invite",
    "Journey",
    "MailToken",
    "Notification",
    "NotificationKind",
    "RefreshToken",
    "Theme",
    "User",
    "metadata",
]
