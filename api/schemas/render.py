"""Turning domain objects into response bodies, in one place per kind."""

from sqlmodel import Session

from api.models import Couple, Invite, User
from api.schemas.account import TokenOut, UserOut
from api.schemas.couple import CoupleOut, InviteOut, JourneyProgressOut, PartnerOut, StreakOut
from api.services import linking
from api.services.sessions import IssuedTokens


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


def invite_out(invite: Invite, link_base: str) -> InviteOut:
    return InviteOut(
        code=invite.code, link=f"{link_base}/{invite.code}", expires_at=invite.expires_at
    )


def couple_out(db: Session, couple: Couple, viewer: User) -> CoupleOut:
    partner = linking.partner_of(db, couple, viewer)
    journey = (
        JourneyProgressOut(slug=couple.journey_slug, started_at=couple.journey_started_at)
        if couple.journey_slug and couple.journey_started_at
        else None
    )
    return CoupleOut(
        id=couple.id,
        partner=PartnerOut(id=partner.id, display_name=partner.display_name),
        linked_at=couple.linked_at,
        timezone=couple.timezone,
        day_starts_at=couple.day_starts_at,
        focus_themes=couple.focus_themes,
        journey=journey,
        streak=StreakOut(current=0, longest=0, freezes_available=1),
    )
