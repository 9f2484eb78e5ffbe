"""Dependencies shared by the routers, as Annotated aliases."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import partial
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Request, Security
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
    SecurityScopes,
)
from fastapi.security.utils import get_authorization_scheme_param
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.edge.runtime import Runtime
from api.kernel.db import SAFE_METHODS, get_session
from api.kernel.errors import Forbidden, Unauthorized
from api.kernel.fields import PathId
from api.models import Answer, Assignment, Couple, User
from api.security.api_tokens import digest, is_api_token
from api.security.jwt import AccessClaims, InvalidToken
from api.security.rate_limit import note_quota
from api.security.scopes import DESCRIPTIONS as SCOPE_DESCRIPTIONS
from api.security.scopes import Scope, grantable_scopes, missing_scopes_detail
from api.security.session_cache import Heads, Identity
from api.services.accounts import sessions, tokens
from api.services.assignments import answering


# Dependencies that do no I/O are `async def`: FastAPI then calls them on the event loop,
# where a sync one would be handed to the threadpool and back, which costs far more than
# running it (bench/RESULTS.md).
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_now(runtime: Annotated[Runtime, Depends(get_runtime)]) -> datetime:
    return runtime.clock.now()


def address_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def client_address(request: Request) -> str:
    return address_of(request)


# scope="function": commit before the response goes out, so a client never sees a 2xx for
# work that then fails to commit (FastAPI runs request-scoped exits after the response).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
Now = Annotated[datetime, Depends(get_now)]
ClientAddress = Annotated[str, Depends(client_address)]

# Both schemes read the same `Authorization: Bearer` header (get_caller tells them apart by
# the `att_` prefix); they are declared for the OpenAPI document and its Authorize button.
_user_scheme = OAuth2PasswordBearer(
    tokenUrl="/v1/auth/token",
    scopes={scope.value: text for scope, text in SCOPE_DESCRIPTIONS.items()},
    description="Signed in as a user: the access token from `/v1/auth/token` (or register, "
    "refresh), a JWT valid 10 minutes, made and checked as RFC8725 advises (one pinned "
    "algorithm, every claim required). A user holds every scope but `content:write`, which "
    "only admins hold.",
    auto_error=False,
)
_api_token_scheme = HTTPBearer(
    scheme_name="APIToken",
    bearerFormat="att_...",
    description="An API token made with `POST /v1/tokens`: acts for the user who made it, "
    "within the scopes it was given.",
    auto_error=False,
)


class CredentialKind(StrEnum):
    session = "session"  # the user signed in: an access token of a login session
    api_token = "api_token"


@dataclass(frozen=True)
class Caller:
    """Who is calling: the user (and their couple), through which credential, holding which
    scopes; the heads of their change streams as of the session check."""

    user: User
    kind: CredentialKind
    credential_id: str  # the login session's id, or the API token's id
    scopes: frozenset[Scope]
    couple: Couple | None
    heads: Heads

    @property
    def quota_key(self) -> str:
        # A user's logins share one quota, or logging in again would reset it; each token
        # has its own, so one busy integration cannot starve the user's apps.
        if self.kind is CredentialKind.api_token:
            return f"token:{self.credential_id}"
        return f"user:{self.user.id}"


def bearer_credential(request: Request) -> str | None:
    scheme, credential = get_authorization_scheme_param(request.headers.get("Authorization"))
    return credential if scheme.lower() == "bearer" and credential else None


def count_address(request: Request, runtime: RuntimeDep, address: ClientAddress) -> None:
    """Every request under /v1 counts against its address's quota."""
    _count_address(request, runtime, address)


def _count_address(request: Request, runtime: Runtime, address: str) -> None:
    rule = runtime.settings.api_limit_per_address
    note_quota(request, runtime.limiter.hit(rule, "api-address", address))


def _count_credential(request: Request, runtime: Runtime, caller: Caller) -> None:
    rule = runtime.settings.api_limit_per_credential
    note_quota(request, runtime.limiter.hit(rule, "api-credential", caller.quota_key))


def _session_key(runtime: Runtime, credential: str, now: datetime) -> tuple[str, AccessClaims]:
    try:
        claims = runtime.tokens.keyring.read_access_token(credential, now)
    except InvalidToken as exc:
        raise Unauthorized("The access token is invalid or expired.", invalid_token=True) from exc
    return "session:" + claims.session_id, claims


def _token_key(credential: str) -> str:
    return "token:" + digest(credential)


def _caller_of(found: Identity) -> Caller:
    user = found.user
    # Checked on every use: a token made by an admin loses content:write with the role.
    scopes = grantable_scopes(user.is_admin)
    kind = CredentialKind.session
    if found.token_scopes is not None:
        kind, scopes = CredentialKind.api_token, scopes & {Scope(s) for s in found.token_scopes}
    return Caller(user, kind, found.credential_id, scopes, found.couple, found.heads)


def _authenticate(
    db: Session, runtime: Runtime, credential: str, now: datetime, *, from_memory: bool
) -> Caller:
    check: Callable[[], Identity]
    if is_api_token(credential):
        key = _token_key(credential)
        check = partial(tokens.identity_of_token, db, runtime.database.writer, credential, now)
    else:
        key, claims = _session_key(runtime, credential, now)
        check = partial(sessions.identity_of_access, db, claims, now)
    found = runtime.session_cache.identity(db, key, now, check) if from_memory else check()
    return _caller_of(found)


def _identify(
    request: Request, db: Session, runtime: Runtime, now: datetime, address: str
) -> Caller:
    _count_address(request, runtime, address)
    credential = bearer_credential(request)
    if credential is None:
        raise Unauthorized("Sign in: this needs an `Authorization: Bearer` token.")
    # Reads may trust a recent check (api/security/session_cache.py); writes check afresh,
    # and change the rows they load. Either way in a transaction of its own, ended here in
    # this thread: a read that needs nothing more leaves none for get_session to end, and a
    # write takes SQLite's write lock only after.
    reads = request.method in SAFE_METHODS
    with runtime.database.reading(db):
        caller = _authenticate(db, runtime, credential, now, from_memory=reads)
    _count_credential(request, runtime, caller)
    return caller


async def get_caller(
    request: Request, db: SessionDep, runtime: RuntimeDep, now: Now, address: ClientAddress
) -> Caller:
    """The authenticated caller, counted against their quotas. Not a security scheme itself,
    so FastAPI resolves it once per request whichever scopes the route's parts ask for.
    All of it (quotas, token, session lookup) in one trip to the threadpool, not one each."""
    return await run_in_threadpool(_identify, request, db, runtime, now, address)


def caller_in_memory(request: Request, runtime: Runtime, now: datetime) -> Caller | None:
    """The caller of a read, when this process can tell who it is from memory alone (a fresh
    session check, the heads it knows: api/security/session_cache.py); None when only the
    database can say, or the credential is wrong (the full path then says why). Counts
    nothing: see `count_quotas`."""
    credential = bearer_credential(request)
    if credential is None or request.method not in SAFE_METHODS:
        return None
    if is_api_token(credential):
        key = _token_key(credential)
    else:
        try:
            key, _ = _session_key(runtime, credential, now)
        except Unauthorized:
            return None
    found = runtime.session_cache.identity_in_memory(key, now)
    return None if found is None else _caller_of(found)


def count_quotas(request: Request, runtime: Runtime, caller: Caller) -> None:
    """What `get_caller` counts, for a read `caller_in_memory` answered: RateLimited when
    over either quota."""
    _count_address(request, runtime, address_of(request))
    _count_credential(request, runtime, caller)


CurrentCaller = Annotated[Caller, Depends(get_caller)]


async def require_scopes(
    required: SecurityScopes,
    caller: CurrentCaller,
    _user: Annotated[str | None, Depends(_user_scheme)],
    _token: Annotated[HTTPAuthorizationCredentials | None, Depends(_api_token_scheme)],
) -> Caller:
    missing = sorted(set(required.scopes) - caller.scopes)
    if missing:
        raise Forbidden(missing_scopes_detail(missing), extra={"missing_scopes": missing})
    return caller


def Scoped(*scopes: Scope) -> Any:
    """`caller: Annotated[Caller, Scoped(Scope.answers_write)]`: the caller, holding every one
    of `scopes` (else 403 naming the missing ones); documented per operation in OpenAPI."""
    return Security(require_scopes, scopes=list(scopes))


_SIGNED_IN_ONLY = "API tokens cannot be used here: this needs the user signed in."


async def require_user_session(
    caller: CurrentCaller, _user: Annotated[str | None, Depends(_user_scheme)]
) -> Caller:
    """For what only the person may do (SPEC.md §7): manage credentials, erase the account."""
    if caller.kind is not CredentialKind.session:
        raise Forbidden(_SIGNED_IN_ONLY)
    return caller


async def refuse_api_tokens(request: Request) -> None:
    """For routes that take no credential at all but must still never see an API token."""
    credential = bearer_credential(request)
    if credential is not None and is_api_token(credential):
        raise Forbidden(_SIGNED_IN_ONLY)


UserSession = Annotated[Caller, Depends(require_user_session)]
ContentEditor = Annotated[Caller, Scoped(Scope.content_write)]


T = TypeVar("T")


@dataclass(frozen=True)
class InPath(Generic[T]):
    """The object a path names, found for the caller by its domain's one lookup, which answers
    404 for anything not theirs or their couple's. Called with the caller inside the route's
    own database work, so the lookup shares that trip to the threadpool."""

    db: Session
    object_id: str
    find: Callable[[Session, User, str], T]

    def __call__(self, user: User) -> T:
        return self.find(self.db, user, self.object_id)


async def assignment_in_path(assignment_id: PathId, db: SessionDep) -> InPath[Assignment]:
    return InPath(db, assignment_id, answering.assignment_for)


async def answer_in_path(answer_id: PathId, db: SessionDep) -> InPath[Answer]:
    return InPath(db, answer_id, answering.visible_answer)


AssignmentInPath = Annotated[InPath[Assignment], Depends(assignment_in_path)]
AnswerInPath = Annotated[InPath[Answer], Depends(answer_in_path)]
