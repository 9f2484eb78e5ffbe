"""Dependencies shared by the routers, as Annotated aliases."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from api.db import get_session
from api.errors import Forbidden, Unauthorized
from api.models import User
from api.runtime import Runtime
from api.security.jwt import InvalidToken
from api.services import sessions


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_now(runtime: Annotated[Runtime, Depends(get_runtime)]) -> datetime:
    return runtime.clock.now()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# scope="function": commit before the response goes out, so a client never sees a 2xx for
# work that then fails to commit (FastAPI runs request-scoped exits after the response).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
Now = Annotated[datetime, Depends(get_now)]
ClientAddress = Annotated[str, Depends(client_address)]

_bearer = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


@dataclass(frozen=True)
class Caller:
    """Who is calling: the user, and the login session their token belongs to."""

    user: User
    session_id: str


def get_caller(
    db: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    token: Annotated[str | None, Depends(_bearer)],
) -> Caller:
    if not token:
        raise Unauthorized("Sign in: this needs an `Authorization: Bearer` token.")
    try:
        claims = runtime.tokens.keyring.read_access_token(token, now)
    except InvalidToken as exc:
        raise Unauthorized("The access token is invalid or expired.", invalid_token=True) from exc
    return Caller(user=sessions.user_of_access(db, claims, now), session_id=claims.session_id)


CurrentCaller = Annotated[Caller, Depends(get_caller)]


def get_content_editor(caller: CurrentCaller) -> Caller:
    """Content management needs the `content:write` scope, which only admins hold."""
    if not caller.user.is_admin:
        raise Forbidden("This needs the content:write scope, which only admins hold.")
    return caller


ContentEditor = Annotated[Caller, Depends(get_content_editor)]
