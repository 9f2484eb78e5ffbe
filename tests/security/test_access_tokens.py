"""Attacks on access tokens (RFC 8725): every forged or stale token answers 401, never 500."""

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient
from jose import jwt

from tests.factories import register
from tests.support import FrozenClock, assert_problem

TEST_KID, TEST_KEY = "test-1", "t" * 40  # tests/conftest.py make_settings


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    result: dict[str, Any] = jwt.get_unverified_claims(token)
    return result


def forge(claims: dict[str, Any], *, key: str = TEST_KEY, **header: Any) -> str:
    headers = {"kid": TEST_KID, "typ": "at+jwt"} | header
    algorithm = headers.pop("alg", "HS256")
    return str(jwt.encode(claims, key, algorithm=algorithm, headers=headers))


def status_with(client: TestClient, token: str) -> int:
    response = client.get("/v1/me", headers={"Authorization": f"Bearer {token}".encode()})
    if response.status_code == 401:
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
    return response.status_code


@pytest.fixture
def valid(client: TestClient) -> dict[str, Any]:
    return claims_of(register(client)["access_token"])


def test_a_genuine_token_passes(client: TestClient, valid: dict[str, Any]) -> None:
    assert status_with(client, forge(valid)) == 200


def test_lifetime_is_ten_minutes(client: TestClient, valid: dict[str, Any]) -> None:
    assert valid["exp"] - valid["iat"] == 600
    assert {"iss", "aud", "sub", "exp", "iat", "jti", "typ"} <= valid.keys()


def test_expired(client: TestClient, clock: FrozenClock) -> None:
    tokens = register(client)
    clock.advance(timedelta(minutes=10, seconds=1))
    assert status_with(client, tokens["access_token"]) == 401


def test_not_yet_valid(client: TestClient, valid: dict[str, Any]) -> None:
    future = valid | {"iat": valid["iat"] + 3600, "exp": valid["exp"] + 3600}
    assert status_with(client, forge(future)) == 401


@pytest.mark.parametrize("claim", ["iss", "aud", "sub", "exp", "iat", "jti", "typ", "sid"])
def test_missing_claim(client: TestClient, valid: dict[str, Any], claim: str) -> None:
    assert status_with(client, forge({k: v for k, v in valid.items() if k != claim})) == 401


@pytest.mark.parametrize(
    ("claim", "value"),
    [("aud", "someone-else"), ("iss", "evil"), ("typ", "refresh"), ("typ", "reset"), ("sub", 7)],
)
def test_wrong_claim(client: TestClient, valid: dict[str, Any], claim: str, value: Any) -> None:
    assert status_with(client, forge(valid | {claim: value})) == 401


def test_wrong_key(client: TestClient, valid: dict[str, Any]) -> None:
    assert status_with(client, forge(valid, key="w" * 40)) == 401


@pytest.mark.parametrize(
    "kid", ["unknown", "../../dev/null", "' OR 1=1--", "", None, 5, ["test-1"]]
)
def test_unknown_or_hostile_kid(client: TestClient, valid: dict[str, Any], kid: Any) -> None:
    header = {"alg": "HS256", "typ": "at+jwt", "kid": kid}
    unsigned = f"{_b64(header)}.{_b64(valid)}"
    signature = jwt.encode(valid, TEST_KEY, algorithm="HS256").rsplit(".", 1)[1]
    assert status_with(client, f"{unsigned}.{signature}") == 401


def test_alg_none(client: TestClient, valid: dict[str, Any]) -> None:
    for alg in ("none", "None", "NONE"):
        header = {"alg": alg, "typ": "at+jwt", "kid": TEST_KID}
        assert status_with(client, f"{_b64(header)}.{_b64(valid)}.") == 401


def test_other_hmac_algorithm(client: TestClient, valid: dict[str, Any]) -> None:
    assert status_with(client, forge(valid, alg="HS512")) == 401


def test_wrong_header_type(client: TestClient, valid: dict[str, Any]) -> None:
    assert status_with(client, forge(valid, typ="JWT")) == 401


def test_tampered_payload(client: TestClient, valid: dict[str, Any]) -> None:
    header, _, signature = forge(valid).split(".")
    tampered = valid | {"sub": "someone-else"}
    assert status_with(client, f"{header}.{_b64(tampered)}.{signature}") == 401


@pytest.mark.parametrize("garbage", ["x", "a.b.c", "....", "Bearer", "é" * 10, "a" * 5000])
def test_garbage(client: TestClient, garbage: str) -> None:
    assert status_with(client, garbage) == 401


def test_token_in_the_query_string_is_ignored(client: TestClient) -> None:
    tokens = register(client)
    response = client.get("/v1/me", params={"access_token": tokens["access_token"]})
    assert_problem(response, 401)


class TestKeyRotation:
    OLD, NEW = ("old-1", "o" * 40), ("new-1", "n" * 40)

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"jwt_keys": dict([self.OLD, self.NEW])}

    def test_newest_key_signs(self, client: TestClient) -> None:
        tokens = register(client)
        assert jwt.get_unverified_header(tokens["access_token"])["kid"] == "new-1"

    def test_tokens_of_an_older_key_still_verify(self, client: TestClient) -> None:
        claims = claims_of(register(client)["access_token"])
        assert status_with(client, forge(claims, key=self.OLD[1], kid=self.OLD[0])) == 200

    def test_a_retired_key_no_longer_verifies(self, client: TestClient) -> None:
        claims = claims_of(register(client)["access_token"])
        assert status_with(client, forge(claims, key="r" * 40, kid="retired-0")) == 401


def test_now_matches_the_clock(clock: FrozenClock) -> None:
    # The frozen clock starts at the real time, so python-jose and our checks agree.
    assert abs(clock.now().timestamp() - time.time()) < 60


def _private_pem(key: Any) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.mark.parametrize(
    ("alg", "make_key"),
    [
        ("RS256", lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("RS512", lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("ES256", lambda: ec.generate_private_key(ec.SECP256R1())),
    ],
)
def test_asymmetric_algorithms_are_refused(
    client: TestClient, valid: dict[str, Any], alg: str, make_key: Any
) -> None:
    """RS/HS confusion, first half: a token signed with the attacker's own key pair."""
    assert status_with(client, forge(valid, key=_private_pem(make_key()), alg=alg)) == 401


def test_a_public_key_used_as_an_hmac_secret_is_refused(
    client: TestClient, valid: dict[str, Any]
) -> None:
    """RS/HS confusion, second half (CVE-2024-33663): HS256 keyed with a public key, which a
    verifier that picks its key by the token's `alg` would accept."""
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "at+jwt", "kid": TEST_KID}
    unsigned = f"{_b64(header)}.{_b64(valid)}"
    mac = hmac.new(pem, unsigned.encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    assert status_with(client, f"{unsigned}.{signature}") == 401


def test_a_refresh_token_is_not_an_access_token(client: TestClient) -> None:
    assert status_with(client, register(client)["refresh_token"]) == 401


def test_a_spent_refresh_token_gets_nothing(client: TestClient, clock: FrozenClock) -> None:
    tokens = register(client)
    spend = {"refresh_token": tokens["refresh_token"]}
    assert client.post("/v1/auth/refresh", json=spend).status_code == 200
    clock.advance(timedelta(seconds=31))  # past the grace window for a second tab
    assert_problem(client.post("/v1/auth/refresh", json=spend), 401)
    assert status_with(client, tokens["refresh_token"]) == 401
