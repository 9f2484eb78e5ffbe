"""Idempotency-Key for POSTs that create: a retry with the same key and body gets the first
response and creates nothing; the same key with another body is 422.

The first response is remembered as sync mutations' outcomes are (api/services/remembered.py):
in the transaction of what it created, sealed under the client's key. Two identical requests
racing: the second one's insert collides and answers 409, its work rolled back. Register and
login take no header: they answer with the caller's credentials.
"""

import hashlib
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.deps import CurrentCaller, Now, RuntimeDep, SessionDep
from api.kernel.errors import Conflict, Unprocessable
from api.security import sealing
from api.security.jwt import Keyring
from api.services import remembered
from api.services.remembered import KeyKind, Remembered

Model = TypeVar("Model", bound=BaseModel)


class _Replay(Exception):
    # Plain values: the request's session is rolled back before the handler runs.
    def __init__(self, status_code: int, body: Any) -> None:
        self.status_code, self.body = status_code, body


class Idempotency:
    def __init__(
        self,
        db: Session,
        keyring: Keyring,
        user_id: str,
        key: str | None,
        fingerprint: str,
        now: datetime,
    ) -> None:
        self.db, self.keyring, self.user_id, self.key = db, keyring, user_id, key
        self.fingerprint, self.now = fingerprint, now

    def remember(self, body: Model, status_code: int) -> Model:
        """Store `body` as the answer to this key (a no-op without the header)."""
        if self.key is None:
            return body
        try:
            remembered.remember(
                self.db,
                self.user_id,
                KeyKind.request,
                self.key,
                fingerprint=self.fingerprint,
                status_code=status_code,
                body=sealing.seal(
                    self.keyring, self.key, self.user_id, body.model_dump(mode="json")
                ),
                now=self.now,
            )
        except remembered.KeyTaken as exc:
            raise Conflict("A request with this Idempotency-Key is still being processed.") from exc
        return body


async def get_idempotency(
    request: Request,
    caller: CurrentCaller,
    db: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=255,
            description="Any unique string (a UUID): a retry with the same key and body "
            "returns the first response and creates nothing new.",
        ),
    ] = None,
) -> Idempotency:
    # The same request: the same target, body and asked-for language (which the remembered
    # response is in). A retry differing in any of them is refused, never answered from memory.
    target = f"{request.method} {request.url.path}?{request.url.query}"
    language = request.headers.get("accept-language", "")
    digest = hashlib.sha256(f"{target}\n{language}\n".encode())
    digest.update(await request.body())
    fingerprint = digest.hexdigest()
    keyring = runtime.tokens.keyring
    if idempotency_key is not None:
        # A query: in the threadpool, never on the event loop.
        first = await run_in_threadpool(
            remembered.recall, db, caller.user.id, KeyKind.request, idempotency_key
        )
        if first is not None:
            _replay_of(first, keyring, idempotency_key, caller.user.id, fingerprint)
    return Idempotency(db, keyring, caller.user.id, idempotency_key, fingerprint, now)


def _replay_of(
    first: Remembered, keyring: Keyring, key: str, user_id: str, fingerprint: str
) -> None:
    if first.fingerprint != fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was used with a different request.",
            loc=["header", "Idempotency-Key"],
        )
    body = sealing.unseal(keyring, key, user_id, first.body)
    if body is None:
        raise Conflict("This Idempotency-Key's first answer can no longer be replayed.")
    raise _Replay(first.status_code, body)


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]


async def _replay(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, _Replay)
    return JSONResponse(
        exc.body,
        status_code=exc.status_code,
        headers={"Idempotent-Replayed": "true"},
    )


def install_idempotency(app: FastAPI) -> None:
    app.add_exception_handler(_Replay, _replay)
