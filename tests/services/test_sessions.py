"""The lookup behind every authenticated request: the user of a live login session."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.kernel.errors import Unauthorized
from api.security.jwt import AccessClaims, Keyring
from api.services.accounts.sessions import identity_of_access
from tests.factories import register
from tests.support import FrozenClock


@pytest.fixture
def db(app: FastAPI) -> Iterator[Session]:
    with app.state.runtime.database.session(write=False) as session:
        yield session


def claims_of(app: FastAPI, tokens: dict[str, str], clock: FrozenClock) -> AccessClaims:
    keyring: Keyring = app.state.runtime.tokens.keyring
    return keyring.read_access_token(tokens["access_token"], clock.now())


def test_the_user_of_a_live_session(
    app: FastAPI, client: TestClient, db: Session, clock: FrozenClock
) -> None:
    tokens = register(client, email="live@example.com")
    user = identity_of_access(db, claims_of(app, tokens, clock), clock.now()).user
    assert user.email == "live@example.com"


def test_an_expired_session_has_no_user(
    app: FastAPI, client: TestClient, db: Session, clock: FrozenClock
) -> None:
    claims = claims_of(app, register(client), clock)
    with pytest.raises(Unauthorized):
        identity_of_access(db, claims, clock.now() + timedelta(days=91))


def test_a_revoked_session_has_no_user(
    app: FastAPI, client: TestClient, db: Session, clock: FrozenClock
) -> None:
    tokens = register(client)
    claims = claims_of(app, tokens, clock)
    client.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    with pytest.raises(Unauthorized):
        identity_of_access(db, claims, clock.now())


def test_a_session_of_someone_else_has_no_user(
    app: FastAPI, client: TestClient, db: Session, clock: FrozenClock
) -> None:
    mine = claims_of(app, register(client), clock)
    theirs = claims_of(app, register(client), clock)
    forged = AccessClaims(user_id=mine.user_id, session_id=theirs.session_id, token_id="x")
    with pytest.raises(Unauthorized):
        identity_of_access(db, forged, clock.now())
