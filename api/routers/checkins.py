"""/v1/checkins: how connected each of you feels, day by day."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import Caller, Now, Scoped, SessionDep
from api.edge.idempotency import IdempotencyDep
from api.kernel.errors import Unprocessable, problem_responses
from api.kernel.fields import IsoDate
from api.schemas.assignment import CheckInIn, CheckInOut, CheckInPage
from api.schemas.pagination import DEFAULT_LIMIT, Cursor, Limit, page_after
from api.security.scopes import Scope
from api.services.assignments import checkins, delivery

router = APIRouter(
    prefix="/v1/checkins", tags=["checkin"], responses=problem_responses(401, 403, 429)
)

MAX_RANGE_DAYS = 366


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Check in for today",
    description="One per local day: 201 for the day's first, 200 when it replaces it.",
    responses={
        200: {"model": CheckInOut, "description": "Today's check-in was replaced."},
        **problem_responses(401, 409, 422),
    },
)
def create(
    body: CheckInIn,
    caller: Annotated[Caller, Scoped(Scope.checkins_write)],
    db: SessionDep,
    now: Now,
    response: Response,
    idempotency: IdempotencyDep,
) -> CheckInOut:
    owner = delivery.owner_of(db, caller.user)
    checkin, created = checkins.put_checkin(
        db, owner, checkin_id=body.id, mood=body.mood, note=body.note, now=now
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return idempotency.remember(CheckInOut.model_validate(checkin), response.status_code)


@router.get(
    "",
    name="list",
    summary="Check-ins over a date range",
    description=(
        "Yours and, when linked, your partner's made in your current couple. `from` and `to` "
        f"are local dates, inclusive, at most {MAX_RANGE_DAYS} days apart; by default the "
        "last 30 days."
    ),
    responses=problem_responses(401, 422),
)
def list_checkins(
    caller: Annotated[Caller, Scoped(Scope.answers_read)],
    db: SessionDep,
    now: Now,
    first: Annotated[
        IsoDate | None,
        Query(alias="from", description="The first local day (YYYY-MM-DD), inclusive."),
    ] = None,
    last: Annotated[
        IsoDate | None,
        Query(alias="to", description="The last local day (YYYY-MM-DD), inclusive; today."),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> CheckInPage:
    last = last or delivery.owner_of(db, caller.user).day(now)
    # By ordinal: `to` near the first day there is (0001-01-01) must not overflow.
    first = first or date.fromordinal(max(1, last.toordinal() - 29))
    if first > last or (last - first).days >= MAX_RANGE_DAYS:
        raise Unprocessable(
            f"`from` must not be after `to`, at most {MAX_RANGE_DAYS} days before it.",
            loc=["query", "from"],
        )
    # At most two people's days of one range: paged in memory, by day then person.
    found = checkins.checkins_between(db, caller.user, first, last)
    page, next_cursor = page_after(
        found, lambda c: f"{c.local_date.isoformat()} {c.user_id}", cursor, limit
    )
    return CheckInPage(items=[CheckInOut.model_validate(c) for c in page], next_cursor=next_cursor)
