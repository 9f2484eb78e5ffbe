"""An account and its tokens as response bodies (SPEC §2, /v1/me and /v1/auth)."""

from api.models import User
from api.schemas.account import TokenOut, UserOut
from api.services.accounts.sessions import IssuedTokens


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        email_verified=user.email_verified,
        display_name=user.display_name,
        timezone=user.timezone,
        locale=user.locale,
        reminder_time=user.reminder_time,
        created_at=user.created_at,
        couple_id=user.couple_id,
    )


def token_out(issued: IssuedTokens) -> TokenOut:
    return TokenOut(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
        user=user_out(issued.user),
    )
