"""The mail server down, then back (a real SMTP server on loopback): a verification and a
reset mail asked for meanwhile wait in the outbox and are delivered by the worker."""

import logging
import os
import subprocess
import sys
import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlmodel import Session, select

from api.kernel.db import Database
from api.models import Notification
from api.services.notifications import mails
from api.services.notifications.mail import MailCourier
from tests.factories import login, register
from tests.mailbox import SmtpServer
from tests.operations.servers import ROOT, TEST_KEYS

NEW_PASSWORD = "a brand new passphrase 77"


@pytest.fixture
def smtp() -> SmtpServer:
    """The app's mail server, not started: it is down until the test starts it."""
    return SmtpServer()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"notify_backoff_seconds": 0.2}


def mail_rows(app: FastAPI, user_id: str) -> list[Notification]:
    with Session(app.state.runtime.database.reader) as db:
        rows = db.exec(select(Notification).where(Notification.recipient_user_id == user_id))
        return [row for row in rows if mails.is_mail(row)]


def run_worker_once(database_url: str, smtp_port: int) -> None:
    env = os.environ | {
        "DATABASE_URL": database_url,
        "ATTUNE_ENV": "test",
        "ATTUNE_JWT_KEYS": TEST_KEYS,
        "ATTUNE_MAIL_BACKEND": "smtp",
        "ATTUNE_SMTP_PORT": str(smtp_port),
        "ATTUNE_AUTO_MIGRATE": "false",
    }
    done = subprocess.run(
        [sys.executable, "-m", "api", "worker", "--once"],
        env=env, cwd=ROOT, capture_output=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode(errors="replace")


def test_mails_asked_for_while_smtp_is_down_are_delivered_once_it_is_back(
    client: TestClient, app: FastAPI, smtp: SmtpServer, database_url: str
) -> None:
    user = register(client)["user"]  # 201, though its mail could not leave
    email = user["email"]
    assert client.post("/v1/auth/password-reset", json={"email": email}).status_code == 202
    waiting = mail_rows(app, user["id"])
    assert len(waiting) == 2
    for row in waiting:
        assert row.sent_at is None and row.next_attempt_at is not None
        assert row.last_error == "mail server did not take the mail: ConnectionRefusedError"
        assert row.payload == {}  # no token ever waits in the outbox

    smtp.start()
    try:
        time.sleep(0.3)  # past the first retry's wait
        run_worker_once(database_url, smtp.port)
        mailbox = smtp.mailbox
        assert len(mailbox.to(email)) == 2
        reset = mailbox.last_token(email, "reset")
        assert mailbox.last_token(email, "confirm")
    finally:
        smtp.stop()
    confirmed = client.post(
        "/v1/auth/password-reset/confirm", json={"token": reset, "new_password": NEW_PASSWORD}
    )
    assert confirmed.status_code == 204, confirmed.text
    assert login(client, email, NEW_PASSWORD).status_code == 200
    assert all(row.sent_at is not None and row.attempts == 2 for row in mail_rows(app, user["id"]))


def test_the_first_send_after_an_answer_leaves_the_mail_to_the_worker_when_the_database_is_away(
    app: FastAPI, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # It runs after the response went out: an error here would reach no client, only the log
    # as an unhandled one (seen when PostgreSQL restarted under load).
    courier = app.state.runtime.mail
    away = create_engine(f"sqlite:///{tmp_path}/no-such-dir/attune.db")
    unreachable = MailCourier(
        Database(reader=away, writer=away),
        courier.mailer,
        courier.clock,
        courier.retry,
        courier.policy,
    )
    with caplog.at_level(logging.WARNING, logger="api.mail"):
        unreachable.send_now("mail:any")
    assert [r.getMessage() for r in caplog.records if r.name == "api.mail"] == [
        "mail left to the worker"
    ]
