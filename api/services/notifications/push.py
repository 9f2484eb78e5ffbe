"""Handing one notification on, through the transport chosen by settings: `log` or `webhook`.

The webhook is meant for a push gateway that talks to APNs and FCM: its body carries the
recipient's device tokens and a `collapse_key` (the notification's dedupe key) for
`apns-collapse-id` / FCM `collapse_key`, so a resend after a worker crash folds into the first
on the phone. It is signed like Stripe's webhooks: HMAC-SHA256 over `timestamp + "." + body`.
"""

import hashlib
import hmac
import logging
from datetime import datetime
from typing import Protocol

import httpx
from pydantic import BaseModel

from api.kernel.clock import Clock
from api.kernel.config import NotifyTransport, Settings
from api.models import Device, Notification
from api.services.notifications.outbox import DeliveryFailed

log = logging.getLogger("api.notifications")


class PushTarget(BaseModel):
    device_id: str
    platform: str
    token: str


class PushMessage(BaseModel):
    """What a transport delivers. Nothing in it was written by a person but their name."""

    id: str
    kind: str
    recipient_user_id: str
    couple_id: str | None
    collapse_key: str
    created_at: datetime
    attempt: int
    payload: dict[str, object]
    devices: list[PushTarget]

    @classmethod
    def of(
        cls, notification: Notification, payload: dict[str, object], devices: list[Device]
    ) -> "PushMessage":
        return cls(
            id=notification.id,
            kind=notification.kind,
            recipient_user_id=notification.recipient_user_id,
            couple_id=notification.couple_id,
            collapse_key=notification.dedupe_key,
            created_at=notification.created_at,
            attempt=notification.attempts,
            payload=payload,
            devices=[
                PushTarget(device_id=d.id, platform=d.platform, token=d.token)
                for d in devices
                if d.token
            ],
        )


class Transport(Protocol):
    def send(self, message: PushMessage) -> None: ...

    def close(self) -> None: ...


class LogTransport:
    """One JSON log line per notification. Device tokens are left out: only how many."""

    def send(self, message: PushMessage) -> None:
        log.info(
            "notification",
            extra={
                "notification_id": message.id,
                "kind": message.kind,
                "recipient_user_id": message.recipient_user_id,
                "couple_id": message.couple_id,
                "collapse_key": message.collapse_key,
                "attempt": message.attempt,
                "payload": message.payload,
                "devices": len(message.devices),
            },
        )

    def close(self) -> None:
        pass


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


class WebhookTransport:
    """POSTs the message as JSON. `Attune-Timestamp` (Unix seconds) lets the receiver refuse
    old replays; `Attune-Signature: sha256=<hex>` proves the sender knows the secret."""

    def __init__(self, url: str, secret: str, timeout: float, clock: Clock) -> None:
        self.url, self.secret, self.clock = url, secret, clock
        self.client = httpx.Client(timeout=timeout, follow_redirects=False)

    def send(self, message: PushMessage) -> None:
        body = message.model_dump_json().encode()
        timestamp = str(int(self.clock.now().timestamp()))
        headers = {
            "Content-Type": "application/json",
            "Attune-Timestamp": timestamp,
            "Attune-Signature": signature(self.secret, timestamp, body),
        }
        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            # The class name only: an exception's text may quote the URL and its credentials.
            raise DeliveryFailed(f"webhook unreachable: {type(exc).__name__}") from exc
        if not response.is_success:
            raise DeliveryFailed(f"webhook answered HTTP {response.status_code}")

    def close(self) -> None:
        self.client.close()


def make_transport(settings: Settings, clock: Clock) -> Transport:
    if settings.notify_transport is NotifyTransport.webhook:
        assert settings.notify_webhook_url and settings.notify_webhook_secret  # checked by Settings
        return WebhookTransport(
            settings.notify_webhook_url,
            settings.notify_webhook_secret,
            settings.notify_webhook_timeout_seconds,
            clock,
        )
    return LogTransport()
