"""API token secrets: `att_` and 32 random bytes, URL-safe. Only a SHA-256 of the secret is
stored: the secret has 256 bits of entropy, so a slow hash would add nothing but latency to
every request, and the digest is what the lookup is indexed by."""

import hashlib
import re
import secrets
from dataclasses import dataclass

PREFIX = "att_"
_RANDOM_BYTES = 32
# What a list shows of a secret: enough to tell tokens apart, far too little to guess the rest.
_VISIBLE_CHARS = 8
_SHAPE = re.compile(rf"^{PREFIX}[A-Za-z0-9_-]{{43}}$")


@dataclass(frozen=True)
class NewSecret:
    secret: str  # shown to its owner once, never stored
    digest: str
    visible_prefix: str


def is_api_token(credential: str) -> bool:
    """Whether a bearer credential claims to be an API token (rather than an access JWT)."""
    return credential.startswith(PREFIX)


def well_formed(secret: str) -> bool:
    return _SHAPE.fullmatch(secret) is not None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> NewSecret:
    secret = PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)
    return NewSecret(secret, digest(secret), secret[: len(PREFIX) + _VISIBLE_CHARS])
