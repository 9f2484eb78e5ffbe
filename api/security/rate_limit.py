"""Rate limits: shared by every API process in Redis through the `limits` library when
REDIS_URL is set, else counted in this process (windows.py); and the RateLimit-* headers
(draft-ietf-httpapi-ratelimit-headers) that tell a client where it stands.

While Redis cannot be reached, limits are counted in this process instead (each process
then allows the whole limit: looser, never off), the log says so once, and /readyz says so
for as long as it lasts; Redis is tried again every few seconds.
"""

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import RedisStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.kernel.errors import RateLimited
from api.security.windows import Count, MovingWindows

log = logging.getLogger("api.rate_limit")

# A Redis that does not answer must not hold requests up: it is given this long per call.
REDIS_TIMEOUT_SECONDS = 0.5
# How long limits stay in this process after Redis failed, before Redis is tried again.
RETRY_REDIS_SECONDS = 5.0
FALLBACK_DETAIL = "Redis is unreachable: rate limits are counted per process"


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
        # Our own windows: `limits`' memory storage costs too much (see windows.py).
        windows = MovingWindows()
        self._count_here: Callable[[RateLimitItem, str, str], Count] = lambda item, scope, key: (
            windows.hit(item.key_for(scope, key), item.amount, item.get_expiry())
        )
        self._clear_here = windows.reset
        self._shared: RedisStorage | None = None
        self._count_shared: Callable[[RateLimitItem, str, str], Count] | None = None
        if redis_url is not None:
            # The prefix keeps deployments (and test runs) sharing one Redis apart.
            storage = storage_from_string(
                redis_url,
                key_prefix=key_prefix,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            assert isinstance(storage, RedisStorage)
            self._shared = storage
            self._count_shared = partial(_count_shared, MovingWindowRateLimiter(storage))
        self._fallback_until: float | None = None
        self._transition = threading.Lock()

    @property
    def counts_here(self) -> bool:
        """Whether counting is done in this process (no Redis): no I/O, fine on the loop."""
        return self._shared is None

    def hit(self, rule: str, scope: str, key: str) -> Quota:
        """Count one request under `scope`/`key`; RateLimited once `rule` is exceeded."""
        item = _parse(rule)
        count = self._count(item, scope, key)
        reset_after = max(1, math.ceil(count.reset_at - time.time()))
        quota = Quota(limit=item.amount, remaining=count.remaining, reset_after=reset_after)
        if not count.allowed:
            raise RateLimited(retry_after=reset_after, headers=quota.headers())
        return quota

    def _count(self, item: RateLimitItem, scope: str, key: str) -> Count:
        fallback_until = self._fallback_until
        if self._count_shared is not None and (
            fallback_until is None or time.monotonic() >= fallback_until
        ):
            try:
                count = self._count_shared(item, scope, key)
            except (RedisError, StorageError, OSError) as error:
                self._fall_back(error)
            else:
                if fallback_until is not None:
                    self._share_again()
                return count
        return self._count_here(item, scope, key)

    def _fall_back(self, error: Exception) -> None:
        with self._transition:
            if self._fallback_until is None:
                log.warning(FALLBACK_DETAIL, extra={"error": type(error).__name__})
            self._fallback_until = time.monotonic() + RETRY_REDIS_SECONDS

    def _share_again(self) -> None:
        with self._transition:
            if self._fallback_until is not None:
                log.info("Redis answers again: rate limits are shared again")
                self._fallback_until = None

    def fallback_detail(self) -> str | None:
        """What /readyz says about the limits: None while they are counted where they
        should be; asks Redis when they are meant to be there."""
        if self._shared is None:
            return None
        if self._shared.check():
            if self._fallback_until is not None:
                self._share_again()
            return None
        self._fall_back(ConnectionError("no answer to PING"))
        return FALLBACK_DETAIL

    def reset(self) -> None:
        self._clear_here()
        if self._shared is not None:
            self._shared.reset()


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
