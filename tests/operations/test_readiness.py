"""What /readyz and `serve` say about the database: unreachable, behind head (with the
command to run), at a migration this release does not know, at head; and a /v1 call against
an unmigrated database is 503, not 500."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.kernel.db import SchemaState, migrate
from api.main import create_app
from tests.databases import ENGINE, fresh_database
from tests.factories import PASSWORD
from tests.mailbox import SmtpServer, free_port
from tests.operations.servers import ROOT, api_environment
from tests.support import close_kept_engine, kept_engine, make_settings

BEHIND = "Migrations behind head: run `python -m api migrate`."


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path) as url:
        yield url


def client_for(url: str, smtp: SmtpServer) -> TestClient:
    return TestClient(create_app(make_settings(url, smtp.port)))


def test_an_unmigrated_database_is_not_ready_and_says_what_to_run(
    empty_database: str, smtp: SmtpServer
) -> None:
    with client_for(empty_database, smtp) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["detail"] == BEHIND
        body = {"email": "early@example.com", "password": PASSWORD, "display_name": "Ed"}
        refused = client.post("/v1/auth/register", json=body)
        assert refused.status_code == 503, refused.text
        assert refused.headers["retry-after"]
        assert refused.json()["detail"].startswith("The database is not migrated.")

        migrate(empty_database, "0001")  # part of the way: still behind
        assert client.get("/readyz").json()["detail"] == BEHIND
        migrate(empty_database)
        assert client.get("/readyz").json() == {"status": "ok", "detail": None}


def test_a_database_at_a_migration_this_release_does_not_know_is_not_ready(
    empty_database: str, smtp: SmtpServer
) -> None:
    migrate(empty_database)
    with kept_engine(empty_database).begin() as connection:
        connection.execute(
            text("UPDATE alembic_version SET version_num = '9999_from_a_newer_release'")
        )
    close_kept_engine(empty_database)
    with client_for(empty_database, smtp) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["detail"] == SchemaState.unknown.value
        assert client.get("/healthz").status_code == 200


def test_an_unreachable_database_is_said_to_be_unreachable(
    smtp: SmtpServer, tmp_path: Path
) -> None:
    nowhere = (
        f"sqlite:///{tmp_path}/no/such/folder/attune.db"
        if ENGINE == "sqlite"
        else f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/attune"
    )
    with client_for(nowhere, smtp) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["detail"] == "The database cannot be reached."
        refused = client.post("/v1/auth/token", data={"username": "x@example.com", "password": "p"})
        assert refused.status_code == 503 and refused.headers["retry-after"]


def test_serve_refuses_an_unmigrated_database_with_the_command_to_run(
    empty_database: str,
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "api", "serve", "--port", str(free_port())],
        env=api_environment(empty_database),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == f"Not serving: {BEHIND}"
