"""Rate limits: shared by every API process in Redis through the `limits` library when
REDIS_URL is set, else counted in this process (windows.py); and the RateLimit-* headers
(draft-ietf-httpapi-ratelimit-headers) that tell a client where it stands."""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import RateLimited
from api.security.windows import Count, MovingWindows


@dataclass(frozen=True)
class Quota:
    """Where one caller stands under one limit after a request."""

    limit: int
    remaining: int
    reset_after: int  # seconds until the window has room again

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_after),
        }


class RateLimiter:
    def __init__(self, redis_url: str | None, key_prefix: str) -> None:
        self._count: Callable[[RateLimitItem, str, str], Count]
        self._clear: Callable[[], object]
        if redis_url is None:
            # Our own windows: `limits`' memory storage costs too much (see windows.py).
            windows = MovingWindows()
            self._count = lambda item, scope, key: windows.hit(
                item.key_for(scope, key), item.amount, item.get_expiry()
            )
            self._clear = windows.reset
        else:
            # The prefix keeps deployments (and test runs) sharing one Redis apart.
            storage = storage_from_string(redis_url, key_prefix=key_prefix)
            self._count = partial(_count_shared, MovingWindowRateLimiter(storage))
            self._clear = storage.reset

    def hit(self, rule: str, scope: str, key: str) -> Quota:
        """Count one request under `scope`/`key`; RateLimited once `rule` is exceeded."""
        item = _parse(rule)
        count = self._count(item, scope, key)
        reset_after = max(1, math.ceil(count.reset_at - time.time()))
        quota = Quota(limit=item.amount, remaining=count.remaining, reset_after=reset_after)
        if not count.allowed:
            raise RateLimited(retry_after=reset_after, headers=quota.headers())
        return quota

    def reset(self) -> None:
        self._clear()


def _count_shared(strategy: MovingWindowRateLimiter, item: RateLimitItem, *keys: str) -> Count:
    allowed = strategy.hit(item, *keys)
    stats = strategy.get_window_stats(item, *keys)
    return Count(allowed, max(0, stats.remaining), stats.reset_time)


@lru_cache(maxsize=64)
def _parse(rule: str) -> RateLimitItem:
    """Rules come from settings, so there are a handful; parsing one costs a regex match."""
    return parse(rule)


_QUOTA = "rate_limit_quota"


def note_quota(request: Request, quota: Quota) -> None:
    """Remember the tightest quota a request was counted under, for its response headers."""
    noted: Quota | None = getattr(request.state, _QUOTA, None)
    if noted is None or quota.remaining < noted.remaining:
        setattr(request.state, _QUOTA, quota)


class RateLimitHeaders:
    """Adds the RateLimit-* headers of the request's tightest quota to its response, whatever
    the route returned (a raw 204 `Response` never sees headers set by dependencies)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Request.state lives in this dict, shared with the route's Request.
        state = scope.setdefault("state", {})

        async def send_with_quota(message: Message) -> None:
            quota: Quota | None = state.get(_QUOTA)
            if message["type"] == "http.response.start" and quota is not None:
                headers = message.setdefault("headers", [])
                # A 429 already carries the quota that refused it.
                if not any(name.lower() == b"ratelimit-limit" for name, _ in headers):
                    headers.extend(
                        (name.lower().encode(), value.encode())
                        for name, value in quota.headers().items()
                    )
            await send(message)

        await self.app(scope, receive, send_with_quota)
