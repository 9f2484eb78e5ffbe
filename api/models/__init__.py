"""The tables. Importing this package registers every table on SQLModel.metadata."""

from api.models.account import AuthSession, MailToken, RefreshToken, User
from api.models.base import metadata

__all__ = ["AuthSession", "MailToken", "RefreshToken", "User", "metadata"]
