"""API tokens (SPEC.md §7): made by a signed-in user, acting for them within their scopes until
they expire or are revoked."""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, event, func, or_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from api.kernel.db import WriterBusy
from api.kernel.errors import Conflict, Forbidden, NotFound, Unauthorized
from api.models import ApiToken, Couple, User
from api.security import api_tokens
from api.security.scopes import Scope, grantable_scopes
from api.security.session_cache import Heads, Identity, forget_on_commit

log = logging.getLogger("api.tokens")

MAX_LIVE_TOKENS = 20
# `last_used_at` is written at most this often per token: a partner polling every second
# must not turn every read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)


def create_token(
    db: Session,
    user: User,
    *,
    name: str,
    scopes: Iterable[Scope],
    lifetime: timedelta,
    now: datetime,
) -> tuple[ApiToken, str]:
    """The new token and its secret, which is never stored and cannot be shown again."""
    wanted = set(scopes)
    refused = wanted - grantable_scopes(user.is_admin)
    if refused:
        raise Forbidden(f"Only admins can grant {', '.join(sorted(refused))}.")
    # Under the user's row lock, so that two requests at once cannot both take the last place.
    db.exec(select(User.id).where(User.id == user.id).with_for_update())
    live = db.exec(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, col(ApiToken.expires_at) > now)
    ).one()
    if live >= MAX_LIVE_TOKENS:
        raise Conflict(f"You have {MAX_LIVE_TOKENS} live tokens; revoke one first.")
    made = api_tokens.new_secret()
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=made.visible_prefix,
        token_hash=made.digest,
        scopes=sorted(wanted),
        created_at=now,
        expires_at=now + lifetime,
    )
    db.add(token)
    db.flush()
    return token, made.secret


def tokens_of(db: Session, user: User) -> list[ApiToken]:
    """The user's tokens, expired ones included (so they can see why a tool stopped), oldest
    first."""
    found = db.exec(
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(col(ApiToken.created_at), col(ApiToken.id))
    )
    return list(found.all())


def revoke_token(db: Session, user: User, token_id: str) -> None:
    revoked = db.execute(
        delete(ApiToken).where(col(ApiToken.id) == token_id, col(ApiToken.user_id) == user.id)
    )
    if revoked.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("No such token.")
    forget_on_commit(db, [user.id])


def revoke_all_tokens(db: Session, user_id: str) -> None:
    db.execute(delete(ApiToken).where(col(ApiToken.user_id) == user_id))
    forget_on_commit(db, [user_id])


def identity_of_token(db: Session, writer: Engine, secret: str, now: datetime) -> Identity:
    """Who a live token acts for (the user, their couple, the token's scopes); 401 for
    anything else."""
    row = None
    if api_tokens.well_formed(secret):
        row = db.exec(
            select(ApiToken, User, Couple)
            .join(User, col(User.id) == ApiToken.user_id)
            .outerjoin(Couple, col(Couple.id) == User.couple_id)
            .where(
                ApiToken.token_hash == api_tokens.digest(secret),
                col(ApiToken.expires_at) > now,
            )
        ).first()
    if row is None:
        raise Unauthorized("The API token is invalid, expired or revoked.", invalid_token=True)
    token, user, couple = row
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_PRECISION:
        _once_finished(db, lambda: _note_use(writer, token.id, now))
        trusted_until = now  # checked again next time, when the use is written down
    else:
        trusted_until = min(token.expires_at, token.last_used_at + LAST_USED_PRECISION)
    # The identity map holds rows weakly: the session keeps the couple for the request.
    db.info["caller_couple"] = couple
    heads = Heads(user.head_seq, None if couple is None else couple.head_seq)
    return Identity(user, couple, token.id, tuple(token.scopes), trusted_until, heads)


def _once_finished(db: Session, action: Callable[[], None]) -> None:
    """Run `action` once the database has ended the session's transaction, committed or rolled
    back. Not before: on SQLite the request may hold the write lock `action` needs. (The
    session's after_transaction_end comes too early: before the database's rollback.)"""
    done = False

    def run(_session: Session) -> None:
        nonlocal done
        if not done:
            done = True
            action()

    event.listen(db, "after_commit", run, once=True)
    event.listen(db, "after_rollback", run, once=True)


def _note_use(writer: Engine, token_id: str, now: datetime) -> None:
    # Conditional, so processes that saw the same stale value write it once between them.
    stale = or_(
        col(ApiToken.last_used_at).is_(None),
        col(ApiToken.last_used_at) <= now - LAST_USED_PRECISION,
    )
    try:
        with writer.begin() as connection:
            connection.execute(
                update(ApiToken).where(col(ApiToken.id) == token_id, stale).values(last_used_at=now)
            )
    except (SQLAlchemyError, WriterBusy) as exc:
        # Bookkeeping only: the request it belongs to is served either way. No traceback: its
        # context is the request's own error, which may hold what the client sent.
        log.warning("could not record an API token's use: %s", type(exc).__name__)
