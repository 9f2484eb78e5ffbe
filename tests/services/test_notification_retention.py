"""Notifications hold no names and live no longer than delivery needs: the actor's name is
looked up when a notification is sent, an erased account leaves nothing behind in the partner's
rows, and sent rows and dead letters are pruned by the worker."""

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlmodel import Session, col, select

from api.models import Notification, NotificationKind
from api.services.notifications.outbox import DEAD_LETTER_KEPT, SENT_KEPT
from api.worker import Worker
from tests.factories import PASSWORD, answer, bearer, make_couple, today
from tests.support import FrozenClock

pytestmark = pytest.mark.usefixtures("content")

NAME = "Anastasia Quillfeather"
MAIL_KINDS = [NotificationKind.password_reset_mail, NotificationKind.verification_mail]


@pytest.fixture
def worker(app: FastAPI, clock: FrozenClock) -> Iterator[Worker]:
    running = Worker.from_settings(app.state.runtime.settings, clock)
    yield running
    running.close()


def stored(app: FastAPI) -> list[Notification]:
    with Session(app.state.runtime.database.reader) as db:
        return list(db.exec(select(Notification)))


def sent_titles(worker: Worker, caplog: pytest.LogCaptureFixture) -> list[str]:
    with caplog.at_level(logging.INFO, logger="api.notifications"):
        worker.run_once()
    return [vars(r)["payload"]["title"] for r in caplog.records if r.name == "api.notifications"]


def couple_with_news(client: TestClient, app: FastAPI) -> tuple[dict[str, Any], dict[str, Any]]:
    """A couple in which the inviter, named NAME, answered today's exercise; the outbox holds
    that one notification (the sign-up mails are tested with the mail outbox)."""
    a, b = make_couple(client, display_name=NAME)
    with Session(app.state.runtime.database.writer) as db:
        db.execute(delete(Notification).where(col(Notification.kind).in_(MAIL_KINDS)))
        db.commit()
    answer(client, a, today(client, a), "words")
    return a, b


def test_the_name_is_looked_up_when_sent_never_stored(
    client: TestClient, app: FastAPI, worker: Worker, caplog: pytest.LogCaptureFixture
) -> None:
    a, _ = couple_with_news(client, app)
    assert NAME not in json.dumps([row.payload for row in stored(app)])
    renamed = client.patch("/v1/me", json={"display_name": "Ana"}, headers=bearer(a))
    assert renamed.status_code == 200
    assert sent_titles(worker, caplog) == ["Ana answered today's exercise"]


def test_an_erased_account_leaves_no_name_in_the_partners_notifications(
    client: TestClient, app: FastAPI, worker: Worker, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = couple_with_news(client, app)
    erased = client.request("DELETE", "/v1/me", json={"password": PASSWORD}, headers=bearer(a))
    assert erased.status_code == 204
    left = stored(app)
    assert {row.recipient_user_id for row in left} == {b["user"]["id"]}
    assert all(row.actor_user_id is None for row in left)
    assert NAME not in json.dumps([row.payload for row in left])
    assert sorted(sent_titles(worker, caplog)) == [
        "Your partner answered today's exercise",
        "Your partner ended your link on Attune",
    ]


def test_sent_rows_and_dead_letters_are_pruned(
    client: TestClient, app: FastAPI, worker: Worker, clock: FrozenClock
) -> None:
    couple_with_news(client, app)
    assert worker.run_once().sent == 1
    clock.advance(SENT_KEPT - timedelta(minutes=1))
    assert worker.run_once().pruned == 0 and len(stored(app)) == 1
    clock.advance(timedelta(minutes=2))
    assert worker.run_once().pruned == 1 and stored(app) == []


def test_dead_letters_are_kept_for_an_operator_then_pruned(
    client: TestClient, app: FastAPI, worker: Worker, clock: FrozenClock
) -> None:
    couple_with_news(client, app)
    with Session(app.state.runtime.database.writer) as db:
        for row in db.exec(select(Notification)):
            row.next_attempt_at, row.last_error = None, "gave up"
            db.add(row)
        db.commit()
    clock.advance(DEAD_LETTER_KEPT - timedelta(hours=1))
    assert worker.run_once().pruned == 0
    clock.advance(timedelta(hours=2))
    assert worker.run_once().pruned == 1 and stored(app) == []
