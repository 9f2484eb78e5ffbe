"""Rate limits through the `limits` library: in memory, or shared in Redis when REDIS_URL is set."""

import math
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from api.errors import RateLimited


class RateLimiter:
    def __init__(self, redis_url: str | None) -> None:
        self._storage = storage_from_string(redis_url or "memory://")
        self._strategy = MovingWindowRateLimiter(self._storage)

    def hit(self, rule: str, scope: str, key: str) -> None:
        """Count one attempt under `scope`/`key`; RateLimited once `rule` is exceeded."""
        item = parse(rule)
        if self._strategy.hit(item, scope, key):
            return
        reset_at = self._strategy.get_window_stats(item, scope, key).reset_time
        raise RateLimited(retry_after=max(1, math.ceil(reset_at - time.time())))

    def reset(self) -> None:
        self._storage.reset()
