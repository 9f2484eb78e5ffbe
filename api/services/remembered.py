"""The first result of a client's write, remembered under the key the client chose for it: an
`Idempotency-Key` on a REST create (SPEC §1) or a sync mutation's id (SPEC §6). One table,
one lookup, one insert: a retry finds the first result instead of doing the work again.

The result is stored in the transaction of the work it reports, so either both exist or
neither; two retries racing collide on (user, kind, key) and the second learns it lost.
Keys are stored only as a hash. A request's result comes here sealed under the client's key
(a new API token's secret can be in one: api/edge/idempotency.py); a mutation's carries no
secret and must outlive a server key's rotation (phones come back after weeks): it is plain.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.models.idempotency import IdempotencyRecord
from api.security import sealing


class KeyKind(StrEnum):
    request = "request"
    mutation = "mutation"


@dataclass(frozen=True)
class Remembered:
    fingerprint: str
    status_code: int
    body: dict[str, Any]


class KeyTaken(Exception):
    """Another write under the same key got there first and has not committed yet."""


def recall(db: Session, user_id: str, kind: KeyKind, key: str) -> Remembered | None:
    record = db.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id,
            IdempotencyRecord.kind == kind,
            IdempotencyRecord.key == sealing.key_digest(key),
        )
    ).first()
    if record is None:
        return None
    return Remembered(record.fingerprint, record.status_code, dict(record.response_body))


def remember(
    db: Session,
    user_id: str,
    kind: KeyKind,
    key: str,
    *,
    fingerprint: str,
    status_code: int,
    body: dict[str, Any],
    now: datetime,
) -> None:
    """Keep `body` as the first result under `key`; KeyTaken when another write holds it (the
    session must then be rolled back)."""
    db.add(
        IdempotencyRecord(
            user_id=user_id,
            kind=kind,
            key=sealing.key_digest(key),
            fingerprint=fingerprint,
            status_code=status_code,
            response_body=body,
            created_at=now,
        )
    )
    try:
        db.flush()
    except IntegrityError as exc:
        raise KeyTaken from exc
