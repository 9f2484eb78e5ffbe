"""Servers of the tests' own, to stop and restart at will: a PostgreSQL cluster, a Redis, and
`python -m api serve` as a subprocess. Never the shared PostgreSQL or Redis of the machine."""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql

from tests.mailbox import free_port

ROOT = Path(__file__).resolve().parents[2]
TEST_KEYS = '{"test-1": "' + "t" * 40 + '"}'


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _as_postgres() -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start a PostgreSQL of our own")
    return ["runuser", "-u", "postgres", "--"]


class PostgresCluster:
    """A throwaway PostgreSQL cluster on a free port, with a few connection slots."""

    def __init__(self, directory: Path, *, max_connections: int) -> None:
        binaries = _postgres_bin()
        if binaries is None:
            pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
        self._bin = binaries
        self._prefix = _as_postgres()
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.max_connections = max_connections
        directory.mkdir(parents=True, exist_ok=True)
        if self._prefix:
            shutil.chown(directory, "postgres", "postgres")

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self._prefix, *command], capture_output=True, cwd=self.directory)
        assert done.returncode == 0, done.stderr.decode(errors="replace")

    def create(self) -> None:
        self._run(
            str(self._bin / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        self.start()

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            f"-c max_connections={self.max_connections} -c fsync=off "
            "-c superuser_reserved_connections=0"
        )
        self._run(
            str(self._bin / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.directory / "server.log"), "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(self._bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def new_database(self, name: str) -> str:
        with psycopg.connect(self.admin_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def postgres_cluster(*, max_connections: int = 30) -> Iterator[PostgresCluster]:
    # Not under pytest's temporary folder: the postgres user cannot enter root's.
    directory = Path(tempfile.mkdtemp(prefix="attune-pg-"))
    try:
        cluster = PostgresCluster(directory, max_connections=max_connections)
        cluster.create()
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


class RedisServer:
    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("no redis-server on this machine")
        self._binary, self.directory = binary, directory
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                self._binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not _listening(self.port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def api_environment(database_url: str, **more: str) -> dict[str, str]:
    return (
        os.environ
        | {
            "DATABASE_URL": database_url,
            "ATTUNE_ENV": "test",
            "ATTUNE_JWT_KEYS": TEST_KEYS,
            "ATTUNE_ARGON2_MEMORY_KIB": "1024",
            "ATTUNE_ARGON2_TIME_COST": "1",
            "ATTUNE_AUTO_MIGRATE": "false",
            "ATTUNE_API_LIMIT_PER_ADDRESS": "100000/minute",
            "ATTUNE_API_LIMIT_PER_CREDENTIAL": "100000/minute",
            "ATTUNE_REGISTER_LIMIT_PER_ADDRESS": "100000/minute",
            "ATTUNE_LOGIN_LIMIT_PER_ADDRESS": "100000/minute",
        }
        | more
    )


class ApiProcess:
    """`python -m api serve` in a subprocess, its output kept in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._output = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--port", str(self.port)],
            env=env,
            cwd=ROOT,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"serve exited: {self.output()}"
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.1)

    def output(self) -> str:
        self._output.flush()
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._output.close()
