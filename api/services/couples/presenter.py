"""A couple and its invite as response bodies, rendered for one partner (SPEC §3)."""

from datetime import datetime

from sqlmodel import Session

from api.content.catalog import Catalog
from api.kernel.days import local_day
from api.models import Couple, Invite, User
from api.schemas.couple import CoupleOut, InviteOut, JourneyProgressOut, PartnerOut, StreakOut
from api.services.assignments import delivery
from api.services.couples import linking, stats


def invite_out(invite: Invite, link_base: str) -> InviteOut:
    return InviteOut(
        code=invite.code, link=f"{link_base}/{invite.code}", expires_at=invite.expires_at
    )


def couple_out(
    db: Session, couple: Couple, viewer: User, catalog: Catalog, now: datetime
) -> CoupleOut:
    partner = linking.partner_of(db, couple, viewer)
    journey = delivery.journey_of(catalog, couple)
    progress = None
    if journey is not None and couple.journey_started_at is not None:
        progress = JourneyProgressOut(
            slug=journey.slug,
            title=journey.title,
            started_at=couple.journey_started_at,
            days_given=delivery.journey_step(db, couple),
            days_total=len(journey.days),
        )
    today = local_day(couple.timezone, couple.day_starts_at, now)
    streak = stats.couple_streak(db, couple, today)
    return CoupleOut(
        id=couple.id,
        partner=PartnerOut(id=partner.id, display_name=partner.display_name),
        linked_at=couple.linked_at,
        timezone=couple.timezone,
        day_starts_at=couple.day_starts_at,
        focus_themes=couple.focus_themes,
        journey=progress,
        streak=StreakOut(
            current=streak.current,
            longest=streak.longest,
            freezes_available=streak.freezes_available,
        ),
    )
