"""Responses kept for Idempotency-Key replays, sealed so the database alone cannot read them.

A replayed response may carry a secret (a new API token's, shown once). It is encrypted with
AES-GCM under a key derived from the client's Idempotency-Key and a server signing key; the
Idempotency-Key itself is stored only as a hash. Reading a sealed response back takes the
client's key, as a retry has it, and the server's.
"""

import base64
import hashlib
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from api.security.jwt import Keyring

_NONCE_BYTES = 12


def key_digest(idempotency_key: str) -> str:
    """What is stored of the client's key: enough to find the record, not to unseal it."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()


def seal(keyring: Keyring, idempotency_key: str, owner: str, body: Any) -> dict[str, object]:
    kid = keyring.signing_kid
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _cipher(keyring.keys[kid], idempotency_key, owner).encrypt(
        nonce, json.dumps(body).encode(), owner.encode()
    )
    return {"kid": kid, "sealed": base64.b64encode(nonce + sealed).decode()}


def unseal(keyring: Keyring, idempotency_key: str, owner: str, stored: dict[str, Any]) -> Any:
    """The body, or None when it cannot be opened (its server key was rotated out)."""
    secret = keyring.keys.get(str(stored.get("kid")))
    if secret is None:
        return None
    raw = base64.b64decode(str(stored.get("sealed", "")))
    try:
        plain = _cipher(secret, idempotency_key, owner).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], owner.encode()
        )
    except InvalidTag:
        return None
    return json.loads(plain)


def _cipher(server_key: str, idempotency_key: str, owner: str) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=server_key.encode(),
        info=b"attune idempotency " + owner.encode(),
    ).derive(idempotency_key.encode())
    return AESGCM(derived)
