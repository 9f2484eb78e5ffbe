"""Login sessions: access tokens, refresh-token rotation with reuse detection, revocation.

A session is one login; its refresh tokens form a family. Each refresh spends the token
in one conditional UPDATE, so of two concurrent refreshes exactly one wins the rotation.
The same token presented again within the grace window after its rotation (two tabs of one
app refreshing at once, a reply lost on a train) gets a pair of its own in the same family;
presented later, it means the token leaked: the whole family is revoked.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, bindparam, update
from sqlmodel import Session, col, select

from api.kernel.errors import Unauthorized
from api.models import AuthSession, Couple, RefreshToken, User
from api.security.jwt import AccessClaims, Keyring
from api.security.session_cache import (
    USER_STATE_COLUMNS,
    Heads,
    Identity,
    Liveness,
    forget_on_commit,
)


@dataclass(frozen=True)
class TokenPolicy:
    keyring: Keyring
    access_ttl: timedelta
    refresh_idle: timedelta
    refresh_absolute: timedelta
    refresh_grace: timedelta


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _issue(
    db: Session, policy: TokenPolicy, user: User, auth_session: AuthSession, now: datetime
) -> IssuedTokens:
    raw = secrets.token_urlsafe(32)
    db.add(
        RefreshToken(
            session_id=auth_session.id,
            token_hash=hash_token(raw),
            created_at=now,
            expires_at=min(now + policy.refresh_idle, auth_session.expires_at),
        )
    )
    access = policy.keyring.issue_access_token(
        user_id=user.id, session_id=auth_session.id, now=now, ttl=policy.access_ttl
    )
    return IssuedTokens(access, raw, int(policy.access_ttl.total_seconds()), user)


def start_session(db: Session, policy: TokenPolicy, user: User, now: datetime) -> IssuedTokens:
    auth_session = AuthSession(
        user_id=user.id, created_at=now, expires_at=now + policy.refresh_absolute
    )
    db.add(auth_session)
    db.flush()
    return _issue(db, policy, user, auth_session, now)


def rotate_refresh_token(db: Session, policy: TokenPolicy, raw: str, now: datetime) -> IssuedTokens:
    token_hash = hash_token(raw)
    live_sessions = select(AuthSession.id).where(
        col(AuthSession.revoked_at).is_(None), col(AuthSession.expires_at) > now
    )
    spent = db.execute(
        update(RefreshToken)
        .where(
            col(RefreshToken.token_hash) == token_hash,
            col(RefreshToken.spent_at).is_(None),
            col(RefreshToken.expires_at) > now,
            col(RefreshToken.session_id).in_(live_sessions),
        )
        .values(spent_at=now)
        .returning(col(RefreshToken.session_id))
    ).first()
    if spent is None:
        # On PostgreSQL the UPDATE above waited for a concurrent rotation of the token to
        # commit, so that rotation is seen here.
        spent = db.execute(
            select(RefreshToken.session_id).where(
                RefreshToken.token_hash == token_hash,
                col(RefreshToken.spent_at) >= now - policy.refresh_grace,
                col(RefreshToken.session_id).in_(live_sessions),
            )
        ).first()
    if spent is None:
        _revoke_family_if_reused(db, token_hash, now)
        raise Unauthorized("The refresh token is invalid, expired or already used.")
    auth_session = db.get_one(AuthSession, spent.session_id)
    user = db.get_one(User, auth_session.user_id)
    return _issue(db, policy, user, auth_session, now)


def _revoke_family_if_reused(db: Session, token_hash: str, now: datetime) -> None:
    reused = db.exec(
        select(RefreshToken.session_id).where(
            RefreshToken.token_hash == token_hash, col(RefreshToken.spent_at).is_not(None)
        )
    ).first()
    if reused is not None:
        _revoke(db, col(AuthSession.id) == reused, now)
        # The 401 that follows rolls the request back; the revocation must outlive it.
        db.commit()


def end_session(db: Session, raw: str, now: datetime) -> None:
    family = select(RefreshToken.session_id).where(RefreshToken.token_hash == hash_token(raw))
    _revoke(db, col(AuthSession.id).in_(family), now)


def revoke_sessions(
    db: Session, user_id: str, now: datetime, keep_session_id: str | None = None
) -> None:
    condition = col(AuthSession.user_id) == user_id
    if keep_session_id is not None:
        condition = condition & (col(AuthSession.id) != keep_session_id)
    _revoke(db, condition, now)


def _revoke(db: Session, condition: object, now: datetime) -> None:
    revoked = db.execute(
        update(AuthSession)
        .where(condition, col(AuthSession.revoked_at).is_(None))  # type: ignore[arg-type]
        .values(revoked_at=now)
        .returning(col(AuthSession.user_id))
    )
    forget_on_commit(db, set(revoked.scalars()))


# Built once, with the values as bound parameters: every request runs it, and building a
# statement (its cache key included) costs SQLAlchemy more than running it (bench/RESULTS.md).
# The user's couple comes along: most routes need it, and with it in the session's identity
# map, `db.get(Couple, ...)` answers without a query of its own.
_LIVE_USER = (
    select(User, Couple, AuthSession.expires_at)
    .join(AuthSession, col(AuthSession.user_id) == User.id)
    .outerjoin(Couple, col(Couple.id) == User.couple_id)
    .where(
        User.id == bindparam("user_id"),
        AuthSession.id == bindparam("session_id"),
        col(AuthSession.revoked_at).is_(None),
        col(AuthSession.expires_at) > bindparam("now"),
    )
)


# Plain columns, no rows: the background check compares them with what memory holds.
_LIVE_SESSIONS = (
    select(AuthSession.id, AuthSession.expires_at, User.head_seq, Couple.head_seq)
    .add_columns(*USER_STATE_COLUMNS)
    .join(User, col(User.id) == AuthSession.user_id)
    .outerjoin(Couple, col(Couple.id) == User.couple_id)
    .where(
        col(AuthSession.id).in_(bindparam("session_ids", expanding=True)),
        col(AuthSession.revoked_at).is_(None),
        col(AuthSession.expires_at) > bindparam("now"),
    )
)


def live_sessions(engine: Engine, session_ids: list[str], now: datetime) -> dict[str, Liveness]:
    """Of these login sessions, those still live, by session id: what the session cache
    checks again in the background."""
    with engine.connect() as connection:
        rows = connection.execute(_LIVE_SESSIONS, {"session_ids": session_ids, "now": now})
        return {
            session_id: Liveness(
                expires_at, tuple(state), Heads(solo, None if couple is None else couple)
            )
            for session_id, expires_at, solo, couple, *state in rows
        }


def _heads_of(user: User, couple: Couple | None) -> Heads:
    return Heads(user.head_seq, None if couple is None else couple.head_seq)


def identity_of_access(db: Session, claims: AccessClaims, now: datetime) -> Identity:
    """Who a verified access token stands for, while its session is still live."""
    params = {"user_id": claims.user_id, "session_id": claims.session_id, "now": now}
    found = db.exec(_LIVE_USER, params=params).first()
    if found is None:
        raise Unauthorized("The session has ended.", invalid_token=True)
    user, couple, expires_at = found
    # The identity map holds rows weakly: the session keeps the couple for the request.
    db.info["caller_couple"] = couple
    return Identity(user, couple, claims.session_id, None, expires_at, _heads_of(user, couple))
