"""The notification worker: delivery through each transport, retries and dead letters, leases,
several workers at once, and daily reminders across time zones."""

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session

from api.kernel.config import Settings
from api.models import NotificationKind
from api.services.notifications import outbox
from api.services.notifications.notices import Notice, enqueue
from api.services.notifications.outbox import MAX_BACKOFF, RetryPolicy
from api.worker import Worker
from tests.factories import answer, bearer, make_couple, register, today
from tests.receiver import Receiver
from tests.support import FrozenClock, queued_pushes

SECRET = "webhook-secret-of-at-least-32-bytes!"
DEVICE_TOKEN = "apns-device-token-that-must-not-be-logged"


@pytest.fixture
def worker(app: FastAPI, clock: FrozenClock) -> Iterator[Worker]:
    running = Worker.from_settings(app.state.runtime.settings, clock)
    yield running
    running.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(SECRET)
    server.start()
    yield server
    server.stop()


def webhook_settings(receiver: Receiver, **more: Any) -> dict[str, Any]:
    return {
        "notify_transport": "webhook",
        "notify_webhook_url": receiver.url,
        "notify_webhook_secret": SECRET,
        "notify_webhook_timeout_seconds": 2,
    } | more


def user_with_device(client: TestClient) -> str:
    tokens = register(client)
    response = client.put(
        "/v1/devices/phone-1",
        json={"platform": "ios", "token": DEVICE_TOKEN},
        headers=bearer(tokens),
    )
    assert response.status_code == 200, response.text
    user_id: str = tokens["user"]["id"]
    return user_id


def enqueue_some(app: FastAPI, recipient_id: str, count: int, now: datetime) -> None:
    notices = [
        Notice(f"test:{i}", recipient_id, NotificationKind.partner_answered, None, {"title": "Hi"})
        for i in range(count)
    ]
    with Session(app.state.runtime.database.writer) as db:
        enqueue(db, notices, now)
        db.commit()


class TestLogTransport:
    def test_one_json_line_per_notification_without_device_tokens(
        self,
        client: TestClient,
        app: FastAPI,
        worker: Worker,
        clock: FrozenClock,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        enqueue_some(app, user_with_device(client), 1, clock.now())
        with caplog.at_level(logging.INFO, logger="api.notifications"):
            cycle = worker.run_once()
        assert (cycle.sent, cycle.failed) == (1, 0)
        [record] = [r for r in caplog.records if r.name == "api.notifications"]
        line: dict[str, Any] = vars(record)
        assert (line["kind"], line["collapse_key"], line["devices"]) == (
            "partner_answered", "test:0", 1,
        )  # fmt: skip
        assert line["payload"] == {"title": "Hi"}
        assert DEVICE_TOKEN not in json.dumps(line, default=str)
        [row] = queued_pushes(app)
        assert (row.sent_at, row.next_attempt_at, row.attempts) == (clock.now(), None, 1)
        assert worker.run_once().sent == 0  # sent once, never again


class TestWebhook:
    @pytest.fixture
    def settings_overrides(self, receiver: Receiver) -> dict[str, Any]:
        return webhook_settings(receiver, notify_max_attempts=3, notify_backoff_seconds=30)

    def test_signed_post_with_the_device_tokens(
        self,
        client: TestClient,
        app: FastAPI,
        worker: Worker,
        clock: FrozenClock,
        receiver: Receiver,
    ) -> None:
        recipient = user_with_device(client)
        enqueue_some(app, recipient, 1, clock.now())
        assert worker.run_once().sent == 1
        assert receiver.bad_signatures == 0
        [hit] = receiver.hits
        assert hit == {
            "id": queued_pushes(app)[0].id,
            "kind": "partner_answered",
            "recipient_user_id": recipient,
            "couple_id": None,
            "collapse_key": "test:0",
            "created_at": clock.now().isoformat().replace("+00:00", "Z"),
            "attempt": 1,
            "payload": {"title": "Hi"},
            "devices": [{"device_id": "phone-1", "platform": "ios", "token": DEVICE_TOKEN}],
            "_status": 200,
        }
        assert queued_pushes(app)[0].sent_at == clock.now()

    def test_retries_with_doubling_waits_then_keeps_a_dead_letter(
        self,
        client: TestClient,
        app: FastAPI,
        worker: Worker,
        clock: FrozenClock,
        receiver: Receiver,
    ) -> None:
        enqueue_some(app, user_with_device(client), 1, clock.now())
        receiver.statuses.extend([500] * 10)
        for attempt, wait in [(1, 30), (2, 60)]:
            assert worker.run_once().failed == 1
            [row] = queued_pushes(app)
            assert (row.attempts, row.sent_at) == (attempt, None)
            assert row.next_attempt_at == clock.now() + timedelta(seconds=wait)
            assert row.last_error == "webhook answered HTTP 500"
            clock.advance(timedelta(seconds=wait - 1))
            assert worker.run_once().failed == 0  # not due yet
            clock.advance(timedelta(seconds=1))
        assert worker.run_once().failed == 1
        [row] = queued_pushes(app)
        assert (row.attempts, row.sent_at, row.next_attempt_at) == (3, None, None)
        assert row.last_error == "webhook answered HTTP 500"
        clock.advance(timedelta(days=2))
        assert worker.run_once().failed == 0
        assert len(receiver.hits) == 3

    def test_a_later_attempt_succeeds(
        self,
        client: TestClient,
        app: FastAPI,
        worker: Worker,
        clock: FrozenClock,
        receiver: Receiver,
    ) -> None:
        enqueue_some(app, user_with_device(client), 1, clock.now())
        receiver.statuses.append(503)
        assert worker.run_once().failed == 1
        clock.advance(timedelta(seconds=30))
        assert worker.run_once().sent == 1
        [row] = queued_pushes(app)
        assert (row.attempts, row.sent_at, row.last_error) == (2, clock.now(), None)
        assert [hit["attempt"] for hit in receiver.hits] == [1, 2]


class TestUnreachableWebhook:
    @pytest.fixture
    def settings_overrides(self, receiver: Receiver) -> dict[str, Any]:
        receiver.stop()  # nothing listens there any more
        return webhook_settings(receiver)

    def test_is_a_failure_to_retry(
        self, client: TestClient, app: FastAPI, worker: Worker, clock: FrozenClock
    ) -> None:
        enqueue_some(app, user_with_device(client), 1, clock.now())
        assert worker.run_once().failed == 1
        [row] = queued_pushes(app)
        assert row.last_error == "webhook unreachable: ConnectError"
        assert row.next_attempt_at == clock.now() + timedelta(seconds=30)


class TestLease:
    def test_rows_of_a_worker_that_died_are_sent_once_its_lease_ends(
        self, client: TestClient, app: FastAPI, worker: Worker, clock: FrozenClock
    ) -> None:
        enqueue_some(app, register(client)["user"]["id"], 2, clock.now())
        with Session(app.state.runtime.database.writer) as db:
            outbox.claim_due(db, worker.policy, clock.now())  # ... and then the worker died
            db.commit()
        assert worker.run_once().sent == 0
        clock.advance(worker.policy.lease - timedelta(seconds=1))
        assert worker.run_once().sent == 0
        clock.advance(timedelta(seconds=1))
        assert worker.run_once().sent == 2
        assert [row.attempts for row in queued_pushes(app)] == [2, 2]


class TestSeveralWorkers:
    @pytest.fixture
    def settings_overrides(self, receiver: Receiver) -> dict[str, Any]:
        return webhook_settings(receiver, notify_batch_size=5)

    def test_never_deliver_a_row_twice(
        self, client: TestClient, app: FastAPI, clock: FrozenClock, receiver: Receiver
    ) -> None:
        enqueue_some(app, register(client)["user"]["id"], 60, clock.now())
        workers = [Worker.from_settings(app.state.runtime.settings, clock) for _ in range(3)]
        start = threading.Barrier(len(workers))

        def drain(worker: Worker) -> None:
            start.wait()
            while worker.run_once().sent:
                pass

        threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        for worker in workers:
            worker.close()
        delivered = [hit["collapse_key"] for hit in receiver.hits]
        assert len(delivered) == 60
        assert len(set(delivered)) == 60
        assert all(row.sent_at is not None and row.attempts == 1 for row in queued_pushes(app))


class TestLoop:
    def test_runs_until_stopped(
        self, client: TestClient, app: FastAPI, worker: Worker, clock: FrozenClock
    ) -> None:
        stop = threading.Event()
        loop = threading.Thread(target=worker.run, args=(0.02, stop))
        loop.start()
        enqueue_some(app, register(client)["user"]["id"], 1, clock.now())
        deadline = time.monotonic() + 10
        while queued_pushes(app)[0].sent_at is None:
            assert time.monotonic() < deadline, "the loop never delivered"
            time.sleep(0.02)
        stop.set()
        loop.join(timeout=5)
        assert not loop.is_alive()


def test_the_command_runs_one_pass(client: TestClient, app: FastAPI, clock: FrozenClock) -> None:
    enqueue_some(app, register(client)["user"]["id"], 1, clock.now())
    settings = app.state.runtime.settings
    env = os.environ | {
        "DATABASE_URL": settings.database_url,
        "ATTUNE_ENV": "test",
        "ATTUNE_NOTIFY_TRANSPORT": "log",
    }
    done = subprocess.run(
        [sys.executable, "-m", "api", "worker", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert [line["message"] for line in lines if line["logger"] == "api.notifications"] == [
        "notification"
    ]
    assert queued_pushes(app)[0].sent_at is not None


@pytest.mark.parametrize(
    ("settings", "refusal"),
    [
        ({"notify_transport": "webhook", "notify_webhook_secret": SECRET}, "notify_webhook_url"),
        (
            {"notify_transport": "webhook", "notify_webhook_url": "https://push.example"},
            "notify_webhook_secret",
        ),
        (
            {
                "notify_transport": "webhook",
                "notify_webhook_url": "https://push.example",
                "notify_webhook_secret": "too short",
            },
            "notify_webhook_secret",
        ),
        ({"notify_webhook_url": "ftp://push.example"}, "notify_webhook_url"),
        ({"notify_batch_size": 100, "notify_webhook_timeout_seconds": 5}, "notify_lease_seconds"),
    ],
)
def test_settings_refuse_a_worker_that_cannot_work(settings: dict[str, Any], refusal: str) -> None:
    with pytest.raises(ValidationError, match=refusal):
        Settings.model_validate(settings)


def test_backoff_doubles_up_to_a_cap() -> None:
    policy = RetryPolicy(
        batch_size=1,
        lease=timedelta(minutes=5),
        max_attempts=100,
        first_backoff=timedelta(seconds=30),
    )
    now = datetime(2026, 11, 26, tzinfo=UTC)
    assert [policy.retry_at(n, now) - now for n in (1, 2, 3)] == [
        timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120),
    ]  # fmt: skip
    assert policy.retry_at(60, now) == now + MAX_BACKOFF
    assert policy.retry_at(100, now) is None


@pytest.mark.usefixtures("content")
def test_what_partners_do_reaches_the_other_without_their_words(
    client: TestClient, app: FastAPI, worker: Worker
) -> None:
    a, b = make_couple(client)
    assignment = today(client, a)
    answer(client, a, assignment, "words-for-b-alone")
    answer(client, a, assignment, "words-for-b-alone, edited")  # an edit notifies nobody
    answer(client, b, assignment, "words-for-a-alone")
    url = f"/v1/assignments/{assignment['id']}/comments"
    client.post(url, json={"body": "a-comment-for-b"}, headers=bearer(a)).raise_for_status()
    client.delete("/v1/couple", headers=bearer(b)).raise_for_status()
    sent = {(row.kind, row.recipient_user_id) for row in queued_pushes(app)}
    a_id, b_id = a["user"]["id"], b["user"]["id"]
    assert sent == {
        ("partner_answered", b_id),
        ("partner_answered", a_id),
        ("partner_commented", b_id),
        ("partner_unlinked", a_id),
    }
    assert worker.run_once().sent == 4
    assert "alone" not in json.dumps([row.payload for row in queued_pushes(app)])
    assert "a-comment" not in json.dumps([row.payload for row in queued_pushes(app)])


@pytest.mark.usefixtures("content")
class TestReminders:
    # 11:30 UTC on 26 November: 20:30 in Tokyo, 03:30 in Los Angeles.
    TOKYO_EVENING = datetime(2026, 11, 26, 11, 30, tzinfo=UTC)

    @pytest.fixture(autouse=True)
    def evening_in_tokyo(self, clock: FrozenClock) -> None:
        clock.set(self.TOKYO_EVENING)

    def person(self, client: TestClient, zone: str, at: str | None = "20:00") -> dict[str, Any]:
        tokens = register(client, timezone=zone)
        response = client.patch("/v1/me", json={"reminder_time": at}, headers=bearer(tokens))
        assert response.status_code == 200, response.text
        return tokens

    def reminded(self, app: FastAPI) -> list[tuple[str, object]]:
        return [
            (row.recipient_user_id, row.payload["local_date"])
            for row in queued_pushes(app)
            if row.kind == "daily_reminder"
        ]

    def test_only_where_the_reminder_time_has_passed_and_once_a_day(
        self, client: TestClient, app: FastAPI, worker: Worker, clock: FrozenClock
    ) -> None:
        tokyo = self.person(client, "Asia/Tokyo")["user"]["id"]
        los_angeles = self.person(client, "America/Los_Angeles")["user"]["id"]
        self.person(client, "Asia/Tokyo", at="21:00")
        self.person(client, "Asia/Tokyo", at=None)
        assert worker.run_once().reminded == 1
        assert self.reminded(app) == [(tokyo, "2026-11-26")]
        clock.advance(timedelta(minutes=5))
        assert worker.run_once().reminded == 0
        # 20:30 on the 26th in Los Angeles is 13:30 on the 27th in Tokyo.
        clock.set(datetime(2026, 11, 27, 4, 30, tzinfo=UTC))
        assert worker.run_once().reminded == 1
        assert (los_angeles, "2026-11-26") in self.reminded(app)
        clock.set(datetime(2026, 11, 27, 11, 0, tzinfo=UTC))
        assert worker.run_once().reminded == 1
        assert set(self.reminded(app)) == {
            (tokyo, "2026-11-26"), (los_angeles, "2026-11-26"), (tokyo, "2026-11-27"),
        }  # fmt: skip

    def test_not_when_today_is_answered(
        self, client: TestClient, app: FastAPI, worker: Worker
    ) -> None:
        solo = self.person(client, "Asia/Tokyo")
        answer(client, solo, today(client, solo))
        assert worker.run_once().reminded == 0

    def test_in_a_couple_only_the_partner_who_has_not_answered(
        self, client: TestClient, app: FastAPI, worker: Worker
    ) -> None:
        a, b = make_couple(client, timezone="Asia/Tokyo")
        for tokens in (a, b):
            client.patch(
                "/v1/me",
                json={"reminder_time": "20:00", "timezone": "Asia/Tokyo"},
                headers=bearer(tokens),
            )
        answer(client, a, today(client, a))
        assert worker.run_once().reminded == 1
        assert self.reminded(app) == [(b["user"]["id"], "2026-11-26")]

    def test_none_while_the_couple_is_paused(
        self, client: TestClient, app: FastAPI, worker: Worker, clock: FrozenClock
    ) -> None:
        a, b = make_couple(client, timezone="Asia/Tokyo")
        for tokens in (a, b):
            client.patch(
                "/v1/me",
                json={"reminder_time": "20:00", "timezone": "Asia/Tokyo"},
                headers=bearer(tokens),
            ).raise_for_status()
        paused = client.put("/v1/couple/pause", json={"until": "2026-11-27"}, headers=bearer(a))
        assert paused.status_code == 201, paused.text
        assert worker.run_once().reminded == 0
        clock.advance(timedelta(days=1))
        assert worker.run_once().reminded == 0
        clock.advance(timedelta(days=1))  # the pause is over: reminded again
        assert worker.run_once().reminded == 2
        assert {who for who, _ in self.reminded(app)} == {a["user"]["id"], b["user"]["id"]}

    def test_an_answer_of_another_day_does_not_count(
        self, client: TestClient, app: FastAPI, worker: Worker, clock: FrozenClock
    ) -> None:
        clock.set(self.TOKYO_EVENING - timedelta(days=1))
        solo = self.person(client, "Asia/Tokyo")
        answer(client, solo, today(client, solo))
        clock.set(self.TOKYO_EVENING)
        assert worker.run_once().reminded == 1
        assert self.reminded(app) == [(solo["user"]["id"], date(2026, 11, 26).isoformat())]
