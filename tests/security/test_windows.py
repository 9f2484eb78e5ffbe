"""The in-process moving windows behind rate limits when there is no Redis."""

import pytest

from api.kernel.errors import RateLimited
from api.security.rate_limit import RateLimiter
from api.security.windows import SWEEP_SECONDS, MovingWindows


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


class TestMovingWindows:
    def test_allows_up_to_the_limit_then_refuses(self, clock: Clock) -> None:
        windows = MovingWindows(clock)
        counts = [windows.hit("k", 3, 60) for _ in range(4)]
        assert [c.allowed for c in counts] == [True, True, True, False]
        assert [c.remaining for c in counts] == [2, 1, 0, 0]

    def test_a_hit_leaves_the_window_after_its_seconds(self, clock: Clock) -> None:
        windows = MovingWindows(clock)
        windows.hit("k", 2, 60)
        clock.now += 30
        windows.hit("k", 2, 60)
        assert windows.hit("k", 2, 60).reset_at == 1060
        clock.now += 30  # the first hit is exactly 60 s old: still in the window
        assert not windows.hit("k", 2, 60).allowed
        clock.now += 0.001
        count = windows.hit("k", 2, 60)
        assert count.allowed and count.remaining == 0 and count.reset_at == 1090

    def test_refused_hits_are_not_counted(self, clock: Clock) -> None:
        windows = MovingWindows(clock)
        windows.hit("k", 1, 60)
        for _ in range(5):
            clock.now += 10
            windows.hit("k", 1, 60)
        clock.now += 10.001
        assert windows.hit("k", 1, 60).allowed

    def test_keys_are_counted_apart(self, clock: Clock) -> None:
        windows = MovingWindows(clock)
        windows.hit("a", 1, 60)
        assert windows.hit("b", 1, 60).allowed
        assert not windows.hit("a", 1, 60).allowed

    def test_idle_keys_are_dropped_but_live_ones_kept(self, clock: Clock) -> None:
        windows = MovingWindows(clock)
        windows.hit("idle", 5, 10)
        windows.hit("long", 1, 3600)
        clock.now += SWEEP_SECONDS
        windows.hit("other", 5, 10)
        assert set(windows._windows) == {"long", "other"}
        assert not windows.hit("long", 1, 3600).allowed

    def test_reset_forgets_everything(self, clock: Clock) -> None:
        windows = MovingWindows(clock)
        windows.hit("k", 1, 60)
        windows.reset()
        assert windows.hit("k", 1, 60).allowed


class TestRateLimiterInMemory:
    def test_quota_then_refusal_with_retry_after(self) -> None:
        limiter = RateLimiter(None, "test")
        first = limiter.hit("2/minute", "scope", "key")
        assert (first.limit, first.remaining) == (2, 1)
        assert 59 <= first.reset_after <= 60
        limiter.hit("2/minute", "scope", "key")
        with pytest.raises(RateLimited) as refused:
            limiter.hit("2/minute", "scope", "key")
        assert refused.value.headers["RateLimit-Remaining"] == "0"
        limiter.hit("2/minute", "other-scope", "key")

    def test_reset(self) -> None:
        limiter = RateLimiter(None, "test")
        limiter.hit("1/hour", "scope", "key")
        limiter.reset()
        limiter.hit("1/hour", "scope", "key")
