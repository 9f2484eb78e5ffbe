"""Accounts: registration, login, passwords, recovery, verification, profile, erasure, export."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.content.catalog import Catalog
from api.kernel import changes
from api.kernel.errors import Conflict, Forbidden, Unauthorized, Unprocessable
from api.models import AuthSession, User
from api.security.passwords import PasswordHasher, is_common
from api.security.session_cache import forget_on_commit
from api.services.accounts import mail_tokens, sessions, tokens
from api.services.accounts.mail_tokens import Purpose
from api.services.assignments import answering, checkins, comments, delivery, reactions
from api.services.assignments.reveal import visible_answers
from api.services.couples import linking
from api.services.notifications import mails
from api.services.rituals import appreciations, nudges, pauses, pulses


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_new_password(password: str, field: str) -> None:
    if is_common(password):
        raise Unprocessable(
            "This password is too common; choose a longer phrase of your own.",
            loc=["body", field],
        )


def register(
    db: Session,
    hasher: PasswordHasher,
    *,
    email: str,
    password: str,
    display_name: str,
    timezone: str,
    locale: str,
    now: datetime,
) -> User:
    email = normalize_email(email)
    check_new_password(password, "password")
    if db.exec(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict("An account with this email already exists.")
    user = User(
        email=email,
        password_hash=hasher.hash(password),
        display_name=display_name,
        timezone=timezone,
        locale=locale,
        created_at=now,
    )
    db.add(user)
    try:
        db.flush()
    except IntegrityError as exc:  # the same email registered at the same instant
        raise Conflict("An account with this email already exists.") from exc
    return user


def authenticate(
    db: Session, hasher: PasswordHasher, email: str, password: str
) -> tuple[User, str | None]:
    """The account for these credentials, and its password hashed anew when the hash's
    parameters are out of date (the caller stores it where it writes); unknown email and
    wrong password look the same. Writes nothing, so it can run on the reader."""
    user = db.exec(select(User).where(User.email == normalize_email(email))).first()
    matches, new_hash = hasher.verify(password, user.password_hash if user else None)
    if user is None or not matches:
        raise Unauthorized("Incorrect email or password.")
    return user, new_hash


def confirm_password(hasher: PasswordHasher, user: User, password: str) -> None:
    """Re-authentication before a sensitive change."""
    matches, _ = hasher.verify(password, user.password_hash)
    if not matches:
        raise Forbidden("The password is incorrect.")


def change_password(
    db: Session,
    hasher: PasswordHasher,
    user: User,
    *,
    current: str,
    new: str,
    keep_session_id: str,
    now: datetime,
) -> None:
    confirm_password(hasher, user, current)
    check_new_password(new, "new_password")
    user.password_hash = hasher.hash(new)
    db.add(user)
    sessions.revoke_sessions(db, user.id, now, keep_session_id=keep_session_id)


def request_password_reset(db: Session, email: str, *, now: datetime) -> str | None:
    """Queue the reset mail (its dedupe key), or None for an unknown email (the caller
    answers the same)."""
    user = db.exec(select(User).where(User.email == normalize_email(email))).first()
    if user is None:
        return None
    return mails.enqueue_mail(db, user, Purpose.password_reset, now)


def reset_password(
    db: Session, hasher: PasswordHasher, *, token: str, new: str, now: datetime
) -> None:
    check_new_password(new, "new_password")
    user = db.get_one(User, mail_tokens.consume_mail_token(db, token, Purpose.password_reset, now))
    user.password_hash = hasher.hash(new)
    db.add(user)
    # A reset is a sign the account may be in someone else's hands: nothing they made lives on.
    sessions.revoke_sessions(db, user.id, now)
    tokens.revoke_all_tokens(db, user.id)


def request_email_verification(db: Session, user: User, *, now: datetime) -> str:
    """Queue the verification mail; its dedupe key."""
    if user.email_verified:
        raise Conflict("This email address is already verified.")
    return mails.enqueue_mail(db, user, Purpose.email_verification, now)


def verify_email(db: Session, *, token: str, now: datetime) -> None:
    user_id = mail_tokens.consume_mail_token(db, token, Purpose.email_verification, now)
    user = db.get_one(User, user_id)
    user.email_verified = True
    db.add(user)


def update_profile(db: Session, user: User, values: dict[str, Any]) -> User:
    seen_by_partner = ("display_name", "share_pulse")
    if user.couple_id is not None and any(
        values.get(field, getattr(user, field)) != getattr(user, field) for field in seen_by_partner
    ):
        # The partner sees the name in their couple, and the pulse trend follows sharing: its
        # head moves, so their ETag changes and their event stream is poked. The couple
        # first, as every write.
        changes.next_seq(db, changes.couple_space(user.couple_id))
    for field, value in values.items():
        setattr(user, field, value)
    db.add(user)
    return user


def delete_account(
    db: Session, hasher: PasswordHasher, user: User, password: str, now: datetime
) -> None:
    """Erase the account now. Its couple ends as by an unlink; everything the account owns
    (sessions, tokens, invite, memberships) goes with it through ON DELETE CASCADE."""
    confirm_password(hasher, user, password)
    if user.couple_id is not None:
        linking.unlink(db, user, now)
    db.execute(delete(User).where(col(User.id) == user.id))
    forget_on_commit(db, [user.id])


def export_account(db: Session, catalog: Catalog, user: User, now: datetime) -> dict[str, Any]:
    """Everything stored about the user: their own words only, never the partner's."""
    logins = db.exec(
        select(AuthSession)
        .where(AuthSession.user_id == user.id)
        .order_by(col(AuthSession.created_at))
    ).all()
    authored = answering.authored_answers(db, user)
    siblings = delivery.answers_of(db, [assignment.id for assignment, _ in authored])
    answers = []
    for assignment, answer in authored:
        # Rendered as REST renders it (a guess scored once revealed), never the partner's.
        shown = visible_answers(
            user.id, assignment, [a for a in siblings if a.assignment_id == assignment.id]
        )
        version = catalog.version(assignment.exercise_id, assignment.exercise_version)
        answers.append(
            {
                "assignment_id": assignment.id,
                "kind": assignment.kind,
                "local_date": assignment.local_date,
                "exercise_id": assignment.exercise_id,
                "exercise_version": assignment.exercise_version,
                "exercise_title": version.spec.title if version else None,
                "exercise_prompt": version.spec.prompt if version else None,
                "answer": shown[answer.id],
            }
        )
    return {
        "exported_at": now,
        "profile": user,
        "sessions": logins,
        "couples": linking.couples_of(db, user),
        "answers": answers,
        "comments": comments.authored_comments(db, user),
        "reactions": reactions.authored_reactions(db, user),
        "checkins": checkins.checkins_of(db, user),
        "appreciations": appreciations.authored_appreciations(db, user),
        "appreciation_reactions": appreciations.reactions_by(db, user),
        "nudges": nudges.nudges_by(db, user),
        "pauses": pauses.pauses_by(db, user),
        "pulses": pulses.pulses_of(db, user),
    }
