"""Redis stopped under a live app (a redis-server of the test's own): rate limits go on in
the process's memory, the log and /readyz say so, and shared counting comes back with Redis."""

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from api.clock import FrozenClock
from api.main import create_app
from api.security.rate_limit import FALLBACK_DETAIL
from tests.conftest import make_settings
from tests.factories import PASSWORD, bearer, login, register
from tests.mailbox import SmtpServer
from tests.operations.servers import RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(
    database_url: str, smtp: SmtpServer, clock: FrozenClock, redis_server: RedisServer
) -> Iterator[TestClient]:
    settings = make_settings(
        database_url,
        smtp.port,
        redis_url=redis_server.url,
        rate_limit_key_prefix="ops-test",
        login_limit_per_address="3/minute",
    )
    app = create_app(settings, clock)
    with TestClient(app) as test_client:
        yield test_client
    app.state.runtime.database.dispose()


def shared_keys(server: RedisServer) -> list[bytes]:
    return list(redis.Redis.from_url(server.url).scan_iter("ops-test*"))


def test_limits_fall_back_to_memory_while_redis_is_down(
    client: TestClient, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = register(client)
    email = tokens["user"]["email"]
    assert login(client, email).status_code == 200
    assert shared_keys(redis_server), "counted in Redis while it runs"
    assert client.get("/readyz").json() == {"status": "ok", "detail": None}

    redis_server.stop()
    with caplog.at_level(logging.INFO, logger="api.rate_limit"):
        answers = [login(client, email) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]  # counted here now
        assert all("ratelimit-remaining" in a.headers for a in answers)
        assert answers[-1].headers["retry-after"]
        # Every /v1 request counts per address and per credential: none of them fails.
        assert client.get("/v1/me", headers=bearer(tokens)).status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["detail"] == FALLBACK_DETAIL
        warnings = [r for r in caplog.records if r.getMessage() == FALLBACK_DETAIL]
        assert len(warnings) == 1, "said once, not on every request"

        redis_server.start()
        assert client.get("/readyz").json()["detail"] is None
        assert any("shared again" in r.getMessage() for r in caplog.records)
    redis.Redis.from_url(redis_server.url).flushall()
    assert login(client, email, PASSWORD).status_code == 200
    assert shared_keys(redis_server), "counted in Redis again"
