"""/v1/me: the caller's own account."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response, status

from api.deps import Caller, Now, RuntimeDep, Scoped, SessionDep, UserSession
from api.edge.conditional import (
    IfNoneMatch,
    Rendered,
    check_modified,
    conditional_responses,
    tag,
)
from api.edge.hot_reads import Kept, answered_from_memory
from api.edge.runtime import Runtime
from api.kernel.errors import problem_responses
from api.routers.content import CatalogDep
from api.schemas.account import AccountDeleteIn, AccountExportOut, ProfileUpdateIn, UserOut
from api.security.scopes import Scope
from api.services.accounts import account
from api.services.accounts.presenter import user_out

router = APIRouter(prefix="/v1/me", tags=["me"], responses=problem_responses(401, 403, 429))


def _profile(caller: Caller, runtime: Runtime) -> tuple[str, Rendered]:
    """The caller's profile and its digest, from what the session check loaded."""
    body = user_out(caller.user).model_dump_json().encode()
    digest = runtime.etags.digest("me", body)
    return digest, Rendered(body, {"ETag": tag(digest)})


def _profile_from_memory(
    _request: Request, caller: Caller, runtime: Runtime, _now: datetime
) -> Kept:
    digest, rendered = _profile(caller, runtime)
    return Kept(digest, render=lambda: rendered)


@router.get(
    "",
    summary="The caller's profile",
    description=(
        "Who the access token belongs to, and `couple_id` once linked. Sends an `ETag` "
        "(weak): `If-None-Match` with it answers 304 with no body while your profile is "
        "unchanged."
    ),
    response_model=UserOut,
    responses={**conditional_responses(), **problem_responses(401)},
)
@answered_from_memory(_profile_from_memory)
async def get(
    caller: Annotated[Caller, Scoped(Scope.profile_read)],
    runtime: RuntimeDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    # async: it only shapes what the caller dependency loaded, so no threadpool round trip.
    digest, rendered = _profile(caller, runtime)
    check_modified(if_none_match, digest)
    return rendered.response()


@router.patch(
    "",
    summary="Change the caller's profile",
    description="Fields left out stay as they are; `reminder_time: null` turns reminders off.",
    responses=problem_responses(401, 422),
)
def update(body: ProfileUpdateIn, caller: UserSession, db: SessionDep) -> UserOut:
    changes = body.model_dump(include=body.model_fields_set)
    return user_out(account.update_profile(db, caller.user, changes))


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Erase the caller's account",
    description=(
        "Needs the password. Erases the account and everything it owns, now. The couple "
        "ends as by an unlink; the partner keeps their own data."
    ),
    responses=problem_responses(401, 403, 422),
)
def delete(
    body: AccountDeleteIn, caller: UserSession, db: SessionDep, runtime: RuntimeDep, now: Now
) -> Response:
    account.delete_account(db, runtime.hasher, caller.user, body.password, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/export",
    summary="Everything stored about the caller",
    description="One JSON document for portability. Never the partner's words.",
    responses=problem_responses(401),
)
def export(
    caller: Annotated[Caller, Scoped(Scope.profile_read, Scope.answers_read)],
    db: SessionDep,
    catalog: CatalogDep,
    now: Now,
) -> AccountExportOut:
    exported = account.export_account(db, catalog, caller.user, now)
    return AccountExportOut.model_validate(exported)
