"""The tables. Importing this package registers every table on SQLModel.metadata."""

from api.models.account import AuthSession, MailToken, RefreshToken, User
from api.models.base import metadata
from api.models.couple import Couple, CoupleMember, Invite

__all__ = [
    "AuthSession",
    "Couple",
    "CoupleMember",
    "Invite",
    "MailToken",
    "RefreshToken",
    "User",
    "metadata",
]
