"""/v1/auth: register, log in, refresh, log out, passwords, email verification."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Response, status

from api.deps import (
    ClientAddress,
    Now,
    RuntimeDep,
    SessionDep,
    UserSession,
    count_address,
    refuse_api_tokens,
)
from api.kernel.db import in_one_trip
from api.kernel.errors import problem_responses
from api.schemas.account import (
    EmailVerificationConfirmIn,
    LoginForm,
    PasswordChangeIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RefreshIn,
    RegisterIn,
    TokenOut,
)
from api.services.accounts import account, sessions
from api.services.accounts.presenter import token_out

# API tokens never reach /v1/auth (SPEC.md §7), whatever the route takes.
router = APIRouter(
    prefix="/v1/auth",
    tags=["auth"],
    dependencies=[Depends(refuse_api_tokens), Depends(count_address)],
    responses=problem_responses(403, 429),
)


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Create an account",
    description="Creates the account, signs it in, and mails a link to verify the address.",
    responses=problem_responses(409, 422, 429),
)
def register(
    body: RegisterIn,
    db: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    address: ClientAddress,
    background: BackgroundTasks,
) -> TokenOut:
    runtime.limiter.hit(runtime.settings.register_limit_per_address, "register-address", address)
    user = account.register(
        db,
        runtime.hasher,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        timezone=body.timezone,
        locale=body.locale,
        now=now,
    )
    issued = sessions.start_session(db, runtime.tokens, user, now)
    mail = account.request_email_verification(db, user, now=now)
    background.add_task(runtime.mail.send_now, mail)
    return token_out(issued)


@router.post(
    "/token",
    summary="Log in (OAuth2 password flow)",
    description=(
        "Form fields `username` (the email) and `password`. This is what the Authorize "
        "button of /docs uses. A wrong email and a wrong password answer alike."
    ),
    responses=problem_responses(401, 422, 429),
)
async def token(
    form: Annotated[LoginForm, Form()],
    db: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    address: ClientAddress,
) -> TokenOut:
    settings = runtime.settings

    def work() -> TokenOut:
        runtime.limiter.hit(settings.login_limit_per_address, "login-address", address)
        email = account.normalize_email(form.username)
        runtime.limiter.hit(settings.login_limit_per_account, "login-account", email)
        # The password is checked on the reader: its hashing (tens of milliseconds) never
        # holds SQLite's write lock, which the session's start then takes for its write alone.
        with runtime.database.reading(db):
            user, new_hash = account.authenticate(db, runtime.hasher, email, form.password)
        if new_hash is not None:
            user.password_hash = new_hash
        return token_out(sessions.start_session(db, runtime.tokens, user, now))

    # Work and commit in one trip: a session never holds its connection while it waits for a
    # thread (32 logins at once, each waiting in a thread for a connection that sessions
    # waiting for a thread held, hung the process until the pool timed out).
    return await in_one_trip(db, work)


@router.post(
    "/refresh",
    summary="Trade a refresh token for a new pair",
    description=(
        "The refresh token is spent. Presented again within 30 seconds of that (two tabs "
        "refreshing at once, a lost reply), it gets a new pair of the same login. Presented "
        "later, it revokes every token of that login and answers 401."
    ),
    responses=problem_responses(401, 422),
)
def refresh(body: RefreshIn, db: SessionDep, runtime: RuntimeDep, now: Now) -> TokenOut:
    return token_out(sessions.rotate_refresh_token(db, runtime.tokens, body.refresh_token, now))


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Log out",
    description="Revokes the login this refresh token belongs to. Unknown tokens also get 204.",
    responses=problem_responses(422),
)
def logout(body: RefreshIn, db: SessionDep, now: Now) -> Response:
    sessions.end_session(db, body.refresh_token, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change the password",
    description="Needs the current password. Every other login of the account is revoked.",
    responses=problem_responses(401, 403, 422),
)
def change_password(
    body: PasswordChangeIn, caller: UserSession, db: SessionDep, runtime: RuntimeDep, now: Now
) -> Response:
    account.change_password(
        db,
        runtime.hasher,
        caller.user,
        current=body.current_password,
        new=body.new_password,
        keep_session_id=caller.credential_id,
        now=now,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,  # an empty body: documented without content
    summary="Ask for a password reset mail",
    description=(
        "Always 202, whether or not the email has an account. The mail holds a single-use "
        "token valid 20 minutes."
    ),
    responses=problem_responses(422, 429),
)
def request_password_reset(
    body: PasswordResetIn,
    db: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    address: ClientAddress,
    background: BackgroundTasks,
) -> Response:
    settings = runtime.settings
    email = account.normalize_email(body.email)
    runtime.limiter.hit(settings.reset_limit_per_address, "reset-address", address)
    runtime.limiter.hit(settings.reset_limit_per_account, "reset-account", email)
    mail = account.request_password_reset(db, email, now=now)
    if mail is not None:
        background.add_task(runtime.mail.send_now, mail)
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Set a new password with a reset token",
    description="Spends the token, revokes every login of the account and deletes its API tokens.",
    responses=problem_responses(400, 422),
)
def confirm_password_reset(
    body: PasswordResetConfirmIn, db: SessionDep, runtime: RuntimeDep, now: Now
) -> Response:
    account.reset_password(db, runtime.hasher, token=body.token, new=body.new_password, now=now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/email-verification",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,  # an empty body: documented without content
    summary="Mail a new verification link",
    description=(
        "Mails the caller a link holding a single-use token, valid 48 hours. 409 when the "
        "address is already verified."
    ),
    responses=problem_responses(401, 409, 429),
)
def request_email_verification(
    caller: UserSession,
    db: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    background: BackgroundTasks,
) -> Response:
    settings = runtime.settings
    runtime.limiter.hit(settings.verification_limit_per_account, "verify-account", caller.user.id)
    mail = account.request_email_verification(db, caller.user, now=now)
    background.add_task(runtime.mail.send_now, mail)
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post(
    "/email-verification/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Confirm the email address with the mailed token",
    description="Spends the token; 400 when it is unknown, spent or expired.",
    responses=problem_responses(400, 422),
)
def confirm_email_verification(
    body: EmailVerificationConfirmIn, db: SessionDep, now: Now
) -> Response:
    account.verify_email(db, token=body.token, now=now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
