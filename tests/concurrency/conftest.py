"""Fixtures for tests that need several real API processes."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.mailbox import SmtpServer, free_port


@pytest.fixture
def server_env() -> dict[str, str]:
    """Extra environment for the servers of `two_processes`: override in a test module."""
    return {}


@pytest.fixture
def two_processes(
    database_url: str, smtp: SmtpServer, server_env: dict[str, str]
) -> Iterator[list[str]]:
    env = (
        os.environ
        | {
            "DATABASE_URL": database_url,
            "ATTUNE_ENV": "test",
            "ATTUNE_JWT_KEYS": '{"test-1": "' + "t" * 40 + '"}',
            "ATTUNE_MAIL_BACKEND": "smtp",
            "ATTUNE_SMTP_PORT": str(smtp.port),
            "ATTUNE_ARGON2_MEMORY_KIB": "1024",
            "ATTUNE_ARGON2_TIME_COST": "1",
            "ATTUNE_AUTO_MIGRATE": "false",
            "ATTUNE_LOG_LEVEL": "WARNING",
        }
        | server_env
    )
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url in urls:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, f"{url} did not start"
                time.sleep(0.2)
        yield urls
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=15)
