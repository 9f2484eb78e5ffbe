"""Argon2id parameters, rehash on login, and the cap on concurrent hashing."""

import os
import sys
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.main import create_app
from api.security.passwords import HASHING_NICENESS, PasswordHasher
from tests.factories import PASSWORD, login, register
from tests.mailbox import SmtpServer
from tests.support import FrozenClock, make_settings


def test_production_parameters_are_owasp_argon2id() -> None:
    hasher = PasswordHasher(memory_kib=19456, time_cost=2, concurrency=1)
    assert hasher.hash("a long enough passphrase").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def stored_hash(database_url: str, email: str) -> str:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        value = connection.execute(
            text("SELECT password_hash FROM user_account WHERE email = :e"), {"e": email}
        ).scalar_one()
    engine.dispose()
    return str(value)


def test_outdated_hash_is_upgraded_on_login(
    client: TestClient, database_url: str, smtp: SmtpServer, clock: FrozenClock
) -> None:
    register(client, email="old-hash@example.com")
    assert "m=1024,t=1" in stored_hash(database_url, "old-hash@example.com")
    stronger = make_settings(database_url, smtp.port, argon2_memory_kib=2048, argon2_time_cost=2)
    upgraded_app = create_app(stronger, clock)
    with TestClient(upgraded_app) as upgraded:
        assert login(upgraded, "old-hash@example.com", PASSWORD).status_code == 200
    upgraded_app.state.runtime.close()
    assert "m=2048,t=2" in stored_hash(database_url, "old-hash@example.com")


def test_concurrent_hashes_are_capped() -> None:
    hasher = PasswordHasher(memory_kib=1024, time_cost=1, concurrency=2)
    running, peak, lock = 0, 0, threading.Lock()
    original = hasher._context.hash

    def counting_hash(secret: str, **kwargs: Any) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return str(original(secret, **kwargs))

    hasher._context.hash = counting_hash  # type: ignore[method-assign]
    threads = [threading.Thread(target=hasher.hash, args=("p" * 12,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 2


def test_hashes_stay_on_the_hashers_own_threads() -> None:
    # Their ~19 MiB blocks then stay in those threads' malloc arenas instead of one per
    # request thread (a worker grew by 300 MB under a burst of logins).
    hasher = PasswordHasher(memory_kib=1024, time_cost=1, concurrency=2)
    stored = hasher.hash("p" * 12)
    names: set[str] = set()
    original = hasher._context.verify_and_update

    def noting_verify(secret: str, hashed: str) -> Any:
        names.add(threading.current_thread().name)
        return original(secret, hashed)

    hasher._context.verify_and_update = noting_verify  # type: ignore[method-assign]
    threads = [threading.Thread(target=hasher.verify, args=("p" * 12, stored)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= len(names) <= 2
    assert all(name.startswith("argon2") for name in names)


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own niceness is Linux's")
def test_hashing_yields_the_cpu_to_requests() -> None:
    hasher = PasswordHasher(memory_kib=1024, time_cost=1, concurrency=1)
    niceness: list[int] = []

    def spy(password: str) -> str:
        niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return password

    hasher._context.hash = spy  # type: ignore[method-assign]
    hasher.hash("a long enough passphrase")
    assert niceness == [os.getpriority(os.PRIO_PROCESS, 0) + HASHING_NICENESS]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < niceness[0]
