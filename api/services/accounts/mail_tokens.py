"""Single-use tokens sent by mail (password reset, email verification), stored as hashes."""

import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col

from api.kernel.errors import BadRequest
from api.models import MailToken
from api.services.accounts.sessions import hash_token


class Purpose(StrEnum):
    password_reset = "password_reset"
    email_verification = "email_verify"


def issue_mail_token(
    db: Session, user_id: str, purpose: Purpose, now: datetime, ttl: timedelta
) -> str:
    # A new token retires the ones mailed before it: only the latest mail works.
    db.execute(
        update(MailToken)
        .where(
            col(MailToken.user_id) == user_id,
            col(MailToken.purpose) == purpose.value,
            col(MailToken.used_at).is_(None),
        )
        .values(used_at=now)
    )
    raw = secrets.token_urlsafe(32)
    db.add(
        MailToken(
            user_id=user_id,
            purpose=purpose.value,
            token_hash=hash_token(raw),
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return raw


def consume_mail_token(db: Session, raw: str, purpose: Purpose, now: datetime) -> str:
    """Spend the token in one conditional UPDATE and return its user's id."""
    row = db.execute(
        update(MailToken)
        .where(
            col(MailToken.token_hash) == hash_token(raw),
            col(MailToken.purpose) == purpose.value,
            col(MailToken.used_at).is_(None),
            col(MailToken.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(MailToken.user_id))
    ).first()
    if row is None:
        raise BadRequest("The token is invalid, expired or already used.")
    return str(row.user_id)
