"""The notification outbox's enqueue functions: one row per event, in the caller's
transaction, never carrying what anyone wrote."""

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlmodel import Session, col, select

from api.models import Assignment, Comment, Couple, Notification, User
from api.services.notifications import notices
from tests.factories import answer, bearer, make_couple, today
from tests.support import FrozenClock

pytestmark = pytest.mark.usefixtures("content")

SECRET_WORDS = "the-words-only-my-partner-may-read"


@pytest.fixture
def db(app: FastAPI) -> Iterator[Session]:
    with Session(app.state.runtime.database.writer, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def revealed(client: TestClient, db: Session) -> dict[str, Any]:
    """A couple who both answered today's assignment (with words nobody else may read), and
    a comment under it; the outbox empty (the API may have enqueued its own)."""
    a, b = make_couple(client)
    assignment = today(client, a)
    answer(client, a, assignment, SECRET_WORDS)
    answer(client, b, assignment, SECRET_WORDS)
    comment = client.post(
        f"/v1/assignments/{assignment['id']}/comments",
        json={"body": SECRET_WORDS},
        headers=bearer(a),
    )
    assert comment.status_code == 201, comment.text
    db.execute(delete(Notification))
    db.commit()
    return {"a": a, "b": b, "assignment_id": assignment["id"], "comment_id": comment.json()["id"]}


def people(db: Session, revealed: dict[str, Any]) -> tuple[User, User]:
    return (
        db.get_one(User, revealed["a"]["user"]["id"]),
        db.get_one(User, revealed["b"]["user"]["id"]),
    )


def outbox(db: Session) -> list[Notification]:
    db.expire_all()
    return list(db.exec(select(Notification).order_by(col(Notification.created_at))))


class TestPartnerAnswered:
    def test_enqueues_one_notification_for_the_partner(
        self, db: Session, revealed: dict[str, Any], clock: FrozenClock
    ) -> None:
        a, b = people(db, revealed)
        assignment = db.get_one(Assignment, revealed["assignment_id"])
        notices.enqueue_partner_answered(db, assignment, a, b, clock.now())
        db.commit()
        [row] = outbox(db)
        assert (row.recipient_user_id, row.kind, row.couple_id) == (
            b.id, "partner_answered", a.couple_id,
        )  # fmt: skip
        assert row.payload == {
            "title": "{partner} answered today's exercise",
            "assignment_id": assignment.id,
        }
        assert row.actor_user_id == a.id
        assert (row.attempts, row.next_attempt_at, row.sent_at) == (0, clock.now(), None)

    def test_enqueueing_the_event_again_changes_nothing(
        self, db: Session, revealed: dict[str, Any], clock: FrozenClock
    ) -> None:
        a, b = people(db, revealed)
        assignment = db.get_one(Assignment, revealed["assignment_id"])
        for _ in range(2):
            notices.enqueue_partner_answered(db, assignment, a, b, clock.now())
        db.commit()
        notices.enqueue_partner_answered(db, assignment, a, b, clock.now())
        db.commit()
        notices.enqueue_partner_answered(db, assignment, b, a, clock.now())
        db.commit()
        assert sorted(row.recipient_user_id for row in outbox(db)) == sorted([a.id, b.id])

    def test_a_rollback_enqueues_nothing(
        self, db: Session, revealed: dict[str, Any], clock: FrozenClock
    ) -> None:
        a, b = people(db, revealed)
        assignment = db.get_one(Assignment, revealed["assignment_id"])
        notices.enqueue_partner_answered(db, assignment, a, b, clock.now())
        db.rollback()
        assert outbox(db) == []


class TestPartnerCommented:
    def test_one_per_comment_without_its_words(
        self, db: Session, revealed: dict[str, Any], clock: FrozenClock
    ) -> None:
        a, b = people(db, revealed)
        comment = db.get_one(Comment, revealed["comment_id"])
        for _ in range(2):
            notices.enqueue_partner_commented(db, comment, a, b, clock.now())
        db.commit()
        [row] = outbox(db)
        assert (row.recipient_user_id, row.kind) == (b.id, "partner_commented")
        assert row.payload == {
            "title": "{partner} commented on your answers",
            "assignment_id": revealed["assignment_id"],
            "comment_id": comment.id,
        }
        assert row.actor_user_id == a.id


class TestPartnerUnlinked:
    def test_one_per_couple_ended(
        self, db: Session, revealed: dict[str, Any], clock: FrozenClock
    ) -> None:
        a, b = people(db, revealed)
        couple = db.get_one(Couple, a.couple_id)
        for _ in range(2):
            notices.enqueue_partner_unlinked(db, couple, b, a, clock.now())
        db.commit()
        [row] = outbox(db)
        assert (row.recipient_user_id, row.kind, row.couple_id) == (
            b.id, "partner_unlinked", couple.id,
        )  # fmt: skip
        assert row.payload == {"title": "{partner} ended your link on Attune"}
        assert row.actor_user_id == a.id


def test_no_payload_carries_what_anyone_wrote(
    db: Session, revealed: dict[str, Any], clock: FrozenClock
) -> None:
    a, b = people(db, revealed)
    assignment = db.get_one(Assignment, revealed["assignment_id"])
    now: datetime = clock.now()
    notices.enqueue_partner_answered(db, assignment, a, b, now)
    notices.enqueue_partner_commented(db, db.get_one(Comment, revealed["comment_id"]), a, b, now)
    notices.enqueue_partner_unlinked(db, db.get_one(Couple, a.couple_id), b, a, now)
    notices.enqueue(db, [notices.daily_reminder(a.id, a.couple_id, now.date())], now)
    db.commit()
    rows = outbox(db)
    assert len(rows) == 4
    for row in rows:
        assert SECRET_WORDS not in json.dumps(row.payload)
