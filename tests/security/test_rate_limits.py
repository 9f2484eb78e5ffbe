"""Rate limits (OWASP API4:2023): every request counts against its address, every
authenticated one against its credential; 429 with Retry-After, RateLimit-* headers on every
answer; and one limit shared by every API process through Redis."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, api_token, bearer, login, register, token_bearer
from tests.mailbox import free_port
from tests.support import assert_problem, empty_tables

REDIS_URL = os.environ.get("ATTUNE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]


def quota(response: httpx.Response) -> tuple[int, int, int]:
    headers = response.headers
    return (
        int(headers["ratelimit-limit"]),
        int(headers["ratelimit-remaining"]),
        int(headers["ratelimit-reset"]),
    )


def assert_limited(response: httpx.Response, limit: int) -> None:
    assert_problem(response, 429)
    assert 0 < int(response.headers["retry-after"]) <= 60
    assert quota(response)[:2] == (limit, 0)


class TestPerCredential:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"api_limit_per_credential": "3/minute"}

    def test_a_user_is_told_the_quota_then_limited(self, client: TestClient) -> None:
        user = register(client)
        seen = [quota(client.get("/v1/me", headers=bearer(user))) for _ in range(3)]
        assert [(limit, remaining) for limit, remaining, _ in seen] == [(3, 2), (3, 1), (3, 0)]
        assert all(0 < reset <= 60 for _, _, reset in seen)
        assert_limited(client.get("/v1/me", headers=bearer(user)), 3)

    def test_a_users_logins_share_one_quota(self, client: TestClient) -> None:
        user = register(client)
        again = login(client, user["user"]["email"], PASSWORD).json()
        for tokens in (user, again, user):
            assert client.get("/v1/me", headers=bearer(tokens)).status_code == 200
        assert_limited(client.get("/v1/me", headers=bearer(again)), 3)

    def test_each_api_token_has_its_own_quota(self, client: TestClient) -> None:
        user = register(client)
        first, second = (api_token(client, user, "profile:read") for _ in range(2))
        for _ in range(3):
            assert client.get("/v1/me", headers=token_bearer(first)).status_code == 200
        assert_limited(client.get("/v1/me", headers=token_bearer(first)), 3)
        assert client.get("/v1/me", headers=token_bearer(second)).status_code == 200
        assert client.get("/v1/me", headers=bearer(user)).status_code == 200

    def test_the_headers_come_with_every_answer(self, client: TestClient) -> None:
        user = register(client)
        no_content = client.delete("/v1/couple/invite", headers=bearer(user))
        assert no_content.status_code == 204 and quota(no_content)[:2] == (3, 2)
        not_found = client.get("/v1/couple", headers=bearer(user))
        assert not_found.status_code == 404 and quota(not_found)[:2] == (3, 1)


class TestPerAddress:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"api_limit_per_address": "4/minute"}

    def test_unauthenticated_requests_count_too(self, client: TestClient) -> None:
        for _ in range(4):
            response = client.post("/v1/auth/refresh", json={"refresh_token": "guess"})
            assert_problem(response, 401)
        assert_limited(client.post("/v1/auth/refresh", json={"refresh_token": "guess"}), 4)

    def test_token_guessing_counts_against_the_address(self, client: TestClient) -> None:
        for _ in range(4):
            response = client.get("/v1/me", headers={"Authorization": "Bearer att_guess"})
            assert_problem(response, 401)
        assert_limited(client.get("/v1/me", headers={"Authorization": "Bearer att_guess"}), 4)

    def test_probes_are_never_limited(self, client: TestClient) -> None:
        for _ in range(10):
            assert client.get("/healthz").status_code == 200


def _serve(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base_url}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{base_url} did not start:\n{log.read_text()}")


@pytest.fixture
def shared_redis() -> Iterator[tuple[redis.Redis, str]]:
    """The Redis the API processes share, and a key prefix of this test's own: removed after."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"this test needs Redis at {REDIS_URL} (set ATTUNE_TEST_REDIS_URL)")
    prefix = f"attune-test-{uuid.uuid4().hex}"
    yield client, prefix
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def two_api_processes(
    database_url: str,
    content: None,
    shared_redis: tuple[redis.Redis, str],
    tmp_path: Path,
) -> Iterator[list[str]]:
    """Two `python -m api serve` processes on one database, sharing Redis."""
    env = os.environ | {
        "ATTUNE_ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "ATTUNE_RATE_LIMIT_KEY_PREFIX": shared_redis[1],
        "ATTUNE_API_LIMIT_PER_CREDENTIAL": "5/minute",
        "ATTUNE_JWT_KEYS": '{"test-1": "' + "t" * 40 + '"}',
        "ATTUNE_ARGON2_MEMORY_KIB": "1024",
        "ATTUNE_ARGON2_TIME_COST": "1",
        "ATTUNE_AUTO_MIGRATE": "false",
        "ATTUNE_LOG_LEVEL": "WARNING",
    }
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"api-{port}.log" for port in ports]
    processes = [_serve(port, env, log) for port, log in zip(ports, logs, strict=True)]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, process, log in zip(urls, processes, logs, strict=True):
            _wait_until_up(url, process, log)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        empty_tables(database_url)


def test_two_api_processes_share_one_limit(
    two_api_processes: list[str], shared_redis: tuple[redis.Redis, str]
) -> None:
    first, second = two_api_processes
    body = {"email": f"{uuid.uuid4().hex}@example.com", "password": PASSWORD, "display_name": "R"}
    tokens = httpx.post(f"{first}/v1/auth/register", json=body).json()
    # Alternating between the processes: each sees the other's requests in the quota.
    remaining = []
    for base_url in (first, second, first, second, first):
        response = httpx.get(f"{base_url}/v1/me", headers=bearer(tokens))
        assert response.status_code == 200, response.text
        remaining.append(quota(response)[1])
    assert remaining == [4, 3, 2, 1, 0]
    assert_limited(httpx.get(f"{second}/v1/me", headers=bearer(tokens)), 5)
    assert_limited(httpx.get(f"{first}/v1/me", headers=bearer(tokens)), 5)
    redis_client, prefix = shared_redis
    assert any(redis_client.scan_iter(match=f"{prefix}*"))
