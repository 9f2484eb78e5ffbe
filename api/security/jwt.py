"""Access tokens: short-lived JWTs signed and checked with python-jose, nothing else.

Every mitigation SPEC.md §2 asks for lives here: one pinned algorithm, a static keyring
looked up by `kid` (never a file, URL or database), every registered claim required, and
a `typ` claim that only access tokens carry, so no other token can pass as one.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from jose import JWTError, jwt

ALGORITHM = "HS256"
ACCESS_TYPE = "access"
HEADER_TYPE = "at+jwt"
# `exp` is required too, but checked below: python-jose's require_exp also forces its own
# expiry check against the wall clock, and expiry must follow the app's clock.
_REQUIRED = ("aud", "iat", "iss", "sub", "jti")
_CLOCK_SKEW = 30  # seconds a token's iat may be ahead of us (several API hosts)


class InvalidToken(Exception):
    """The token is not a valid access token; the reason stays out of responses."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    session_id: str
    token_id: str


@dataclass(frozen=True)
class _Verified:
    claims: AccessClaims
    issued: int
    expires: int


# Tokens whose signature and claims were checked, by their exact text: a client sends the same
# token on every request for its lifetime, and checking one costs more than the rest of a
# simple read (bench/RESULTS.md). Only what cannot change is kept; the time window is checked
# on every use. About 1 KB an entry.
_VERIFIED_TOKENS = 4096


@dataclass(frozen=True)
class Keyring:
    """Signing keys by id, oldest first: the newest signs, all of them verify."""

    keys: dict[str, str]
    issuer: str
    audience: str
    _verify: Callable[[str], _Verified] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_verify", lru_cache(_VERIFIED_TOKENS)(self._verify_uncached))

    @property
    def signing_kid(self) -> str:
        return list(self.keys)[-1]

    def issue_access_token(
        self, *, user_id: str, session_id: str, now: datetime, ttl: timedelta
    ) -> str:
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user_id,
            "sid": session_id,
            "typ": ACCESS_TYPE,
            "jti": uuid.uuid4().hex,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
        }
        kid = self.signing_kid
        return str(
            jwt.encode(
                claims,
                self.keys[kid],
                algorithm=ALGORITHM,
                headers={"kid": kid, "typ": HEADER_TYPE},
            )
        )

    def read_access_token(self, token: str, now: datetime) -> AccessClaims:
        verified = self._verify(token)
        if not verified.issued - _CLOCK_SKEW <= now.timestamp() < verified.expires:
            raise InvalidToken
        return verified.claims

    def _verify_uncached(self, token: str) -> _Verified:
        try:
            header = jwt.get_unverified_header(token)
        except JWTError as exc:
            raise InvalidToken from exc
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or header.get("typ") != HEADER_TYPE:
            raise InvalidToken
        if not isinstance(kid, str) or kid not in self.keys:
            raise InvalidToken
        try:
            claims = jwt.decode(
                token,
                self.keys[kid],
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"verify_exp": False} | {f"require_{c}": True for c in _REQUIRED},
            )
        except JWTError as exc:
            raise InvalidToken from exc
        if claims.get("typ") != ACCESS_TYPE:
            raise InvalidToken
        expires, issued = claims.get("exp"), claims.get("iat")
        if not isinstance(expires, int) or not isinstance(issued, int):
            raise InvalidToken
        fields = (claims.get("sub"), claims.get("sid"), claims.get("jti"))
        if not all(isinstance(value, str) and value for value in fields):
            raise InvalidToken
        verified = AccessClaims(
            user_id=claims["sub"], session_id=claims["sid"], token_id=claims["jti"]
        )
        return _Verified(verified, issued, expires)
