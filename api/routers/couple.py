"""/v1/couple: invites, joining, the couple itself, unlinking."""

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from pydantic import TypeAdapter

from api.deps import Caller, ClientAddress, Now, RuntimeDep, Scoped, SessionDep, UserSession
from api.edge.conditional import (
    IfNoneMatch,
    Rendered,
    conditional_responses,
    kept_or_not_modified,
    tag,
)
from api.edge.contract.examples import NUDGE_PROBLEM_EXAMPLE, PAUSE_LIMIT_EXAMPLE
from api.edge.hot_reads import Kept, answered_from_memory
from api.edge.idempotency import IdempotencyDep
from api.edge.runtime import Runtime
from api.kernel.days import local_day
from api.kernel.db import in_one_trip
from api.kernel.errors import NotFound, Unprocessable, problem_responses
from api.routers.content import CatalogDep
from api.schemas.assignment import CoupleStatsOut
from api.schemas.couple import CoupleOut, CoupleUpdateIn, InviteOut, JoinIn, JourneyStartIn
from api.schemas.ritual import NudgeOut, NudgeProblem, PauseIn, PauseLimitProblem, PauseOut
from api.security.scopes import Scope
from api.services.couples import linking, stats
from api.services.couples.presenter import couple_out, invite_out
from api.services.rituals import nudges, pauses

router = APIRouter(
    prefix="/v1/couple",
    tags=["couple"],
    responses=problem_responses(401, 403, 429),
)


@router.post(
    "/invite",
    status_code=status.HTTP_201_CREATED,
    summary="Make an invite code for your partner",
    description=(
        "One live invite per person: a new one replaces the old. Valid 48 hours. A retry "
        "with the same `Idempotency-Key` returns the first invite and replaces nothing."
    ),
    responses=problem_responses(401, 409, 429),
)
def create_invite(
    caller: UserSession,
    db: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    idempotency: IdempotencyDep,
) -> InviteOut:
    settings = runtime.settings
    runtime.limiter.hit(settings.invite_limit_per_user, "invite-user", caller.user.id)
    invite = linking.create_invite(
        db, caller.user, now=now, ttl=timedelta(hours=settings.invite_ttl_hours)
    )
    return idempotency.remember(
        invite_out(invite, settings.invite_link_base), status.HTTP_201_CREATED
    )


@router.get(
    "/invite",
    summary="Your live invite",
    description="The code you made last, while it is valid; 404 when you have none.",
    responses=problem_responses(401, 404),
)
def get_invite(
    caller: Annotated[Caller, Scoped(Scope.couple_read)],
    db: SessionDep,
    runtime: RuntimeDep,
    now: Now,
) -> InviteOut:
    invite = linking.live_invite(db, caller.user, now)
    return invite_out(invite, runtime.settings.invite_link_base)


@router.delete(
    "/invite",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke your invite",
    description="Its code stops working at once. 204 also when you had none.",
    responses=problem_responses(401),
)
def revoke_invite(caller: UserSession, db: SessionDep) -> Response:
    linking.revoke_invite(db, caller.user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/join",
    status_code=status.HTTP_201_CREATED,
    summary="Join your partner with their code",
    description=(
        "404 for an unknown or revoked code, 410 for an expired one, 409 when either of you "
        "is already linked, 422 for your own code. Attempts are rate-limited."
    ),
    responses=problem_responses(401, 404, 409, 410, 422, 429),
)
def join(
    body: JoinIn,
    caller: UserSession,
    db: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    address: ClientAddress,
    idempotency: IdempotencyDep,
    catalog: CatalogDep,
) -> CoupleOut:
    settings = runtime.settings
    runtime.limiter.hit(settings.join_limit_per_address, "join-address", address)
    runtime.limiter.hit(settings.join_limit_per_user, "join-user", caller.user.id)
    couple = linking.join(db, caller.user, body.code, now)
    return idempotency.remember(couple_out(db, couple, caller.user, catalog, now), 201)


def _couple_digest(caller: Caller, runtime: Runtime, now: datetime) -> str | None:
    couple = caller.couple
    if couple is None:
        return None
    # The couple's day is in it: the streak is counted up to today.
    today = local_day(couple.timezone, couple.day_starts_at, now)
    return runtime.etags.digest("couple", caller.user.id, caller.heads, today)


def _couple_from_memory(
    _request: Request, caller: Caller, runtime: Runtime, now: datetime
) -> Kept | None:
    digest = _couple_digest(caller, runtime, now)
    return None if digest is None else Kept(digest)


@router.get(
    "",
    summary="Your couple",
    description=(
        "Your partner, the couple's day settings, journey and streak; 404 when not linked. "
        "Sends an `ETag` (weak): `If-None-Match` with it answers 304 with no body while "
        "nothing here has changed."
    ),
    response_model=CoupleOut,
    responses={**conditional_responses(), **problem_responses(401, 404)},
)
@answered_from_memory(_couple_from_memory)
async def get(
    caller: Annotated[Caller, Scoped(Scope.couple_read)],
    db: SessionDep,
    runtime: RuntimeDep,
    catalog: CatalogDep,
    now: Now,
    if_none_match: IfNoneMatch = None,
) -> Response:
    digest = _couple_digest(caller, runtime, now)
    if digest is not None:
        kept = kept_or_not_modified(runtime.rendered, if_none_match, digest)
        if kept is not None:
            return kept

    def work() -> Response:
        found = linking.current_couple(db, caller.user)  # 404 when not linked
        body = _COUPLE_JSON.dump_json(couple_out(db, found, caller.user, catalog, now))
        if digest is None:  # linked since the session check: tagged from the next read on
            return Response(body, media_type="application/json")
        return runtime.rendered.keep(digest, Rendered(body, {"ETag": tag(digest)})).response()

    return await in_one_trip(db, work)


_COUPLE_JSON = TypeAdapter(CoupleOut)


@router.patch(
    "",
    summary="Change the couple's time zone, day start or focus themes",
    description="Fields left out stay as they are. Either partner may change them.",
    responses=problem_responses(401, 404, 422),
)
def update(
    body: CoupleUpdateIn, caller: UserSession, db: SessionDep, catalog: CatalogDep, now: Now
) -> CoupleOut:
    couple = linking.current_couple(db, caller.user)
    known = {theme.slug for theme in catalog.themes()}
    if not set(body.focus_themes or []) <= known:
        # The allowed slugs, never the unknown ones: errors do not repeat what was sent.
        allowed = ", ".join(sorted(known))
        raise Unprocessable(f"Each must be one of: {allowed}.", loc=["body", "focus_themes"])
    changes = body.model_dump(include=body.model_fields_set)
    return couple_out(db, linking.update_couple(db, couple, changes), caller.user, catalog, now)


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unlink",
    description=(
        "Ends the couple for both. From then on neither sees anything the other wrote; each "
        "keeps their own answers. Linking again starts a new couple with an empty history."
    ),
    responses=problem_responses(401, 404),
)
def unlink(caller: UserSession, db: SessionDep, now: Now) -> Response:
    linking.unlink(db, caller.user, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/journey",
    summary="Start a journey",
    description=(
        "One journey at a time: starting one replaces the current one. Its days are delivered "
        "from the next daily assignment on; when it ends, the focus themes take over again."
    ),
    responses=problem_responses(401, 404, 422),
)
def start_journey(
    body: JourneyStartIn, caller: UserSession, db: SessionDep, catalog: CatalogDep, now: Now
) -> CoupleOut:
    couple = linking.current_couple(db, caller.user)
    journey = catalog.journey(body.slug)
    if journey is None or journey.retired:
        raise NotFound("No such journey.")
    changes = {"journey_slug": journey.slug, "journey_started_at": now}
    return couple_out(db, linking.update_couple(db, couple, changes), caller.user, catalog, now)


@router.delete(
    "/journey",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop the journey",
    description="The focus themes choose the daily exercise again from the next day on.",
    responses=problem_responses(401, 404),
)
def stop_journey(caller: UserSession, db: SessionDep) -> Response:
    couple = linking.current_couple(db, caller.user)
    linking.update_couple(db, couple, {"journey_slug": None, "journey_started_at": None})
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/stats",
    summary="Your couple's numbers",
    description="Answered together, streaks, themes explored, guess accuracy, check-in trend.",
    responses=problem_responses(401, 404),
)
def get_stats(
    caller: Annotated[Caller, Scoped(Scope.couple_read)],
    db: SessionDep,
    catalog: CatalogDep,
    now: Now,
) -> CoupleStatsOut:
    couple = linking.current_couple(db, caller.user)
    partner = linking.partner_of(db, couple, caller.user)
    today = local_day(couple.timezone, couple.day_starts_at, now)
    return stats.couple_stats(db, couple, caller.user, partner, catalog, today)


@router.post(
    "/nudge",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Nudge your partner gently",
    description=(
        "Reminds your partner that today's exercise waits, in neutral words that never say "
        "who answered. Once per couple day, and only when you have answered today's exercise "
        "and your partner has not. Refusals are 409s with their own `type`: "
        "`urn:attune:problem:nudges-off` (your partner turned nudges off; nothing else is "
        "said), `already-nudged` (with `next_nudge_at`), `answer-first`, `partner-answered`, "
        "`paused`. 202: the notification is on its way."
    ),
    responses={
        409: {
            "model": NudgeProblem,
            "description": "Not now: see `type`. `next_nudge_at` when already nudged today.",
            "content": {"application/json": {"example": NUDGE_PROBLEM_EXAMPLE}},
        },
        **problem_responses(401, 404),
    },
)
def nudge(caller: UserSession, db: SessionDep, now: Now) -> NudgeOut:
    return NudgeOut(next_nudge_at=nudges.nudge(db, caller.user, now))


@router.put(
    "/pause",
    summary="Pause your dailies",
    description=(
        f"For illness, travel or a hard season: from today to `until` (at most "
        f"{pauses.MAX_AHEAD} days ahead) no daily is delivered (`GET /v1/today` answers 409 "
        "`urn:attune:problem:paused`), no reminder is sent, and the streak neither grows nor "
        f"breaks. At most {pauses.BUDGET} paused days in any {pauses.WINDOW}: beyond, 409 "
        "`urn:attune:problem:pause-limit` with `days_left`. Either of you may pause, change "
        "the pause (PUT again) or resume; the other is told. 201 for a new pause, 200 for a "
        "change."
    ),
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": PauseOut, "description": "The current pause was changed."},
        409: {
            "model": PauseLimitProblem,
            "description": "The couple's budget of paused days would be passed.",
            "content": {"application/json": {"example": PAUSE_LIMIT_EXAMPLE}},
        },
        **problem_responses(401, 404, 422),
    },
)
def pause(
    body: PauseIn, caller: UserSession, db: SessionDep, now: Now, response: Response
) -> PauseOut:
    found, created = pauses.pause(db, caller.user, body.until, body.reason, now)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return PauseOut.model_validate(found)


@router.delete(
    "/pause",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Resume your dailies",
    description="Today is a day like any other again; your partner is told. 204 also when "
    "you were not paused.",
    responses=problem_responses(401, 404),
)
def resume(caller: UserSession, db: SessionDep, now: Now) -> Response:
    pauses.resume(db, caller.user, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
