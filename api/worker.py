"""The notification worker (`python -m api worker`): daily reminders into the outbox, and the
outbox out through the transport, with retries. Run as many as you like: they share the work.

Each row is claimed, sent, then marked in its own short transaction, with no transaction
open while the transport talks to the network; api/services/notifications/outbox.py says
what a crash costs.
"""

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from api.kernel.clock import Clock
from api.kernel.config import Settings
from api.kernel.db import Database, migrate, open_database
from api.models import Notification
from api.services.accounts import devices
from api.services.notifications import mails, notices, outbox, reminders
from api.services.notifications.mail import MailCourier
from api.services.notifications.outbox import RetryPolicy
from api.services.notifications.push import PushMessage, Transport, make_transport

log = logging.getLogger("api.worker")

# Reminder times are whole minutes: looking more often finds nothing new.
REMINDER_SCAN_EVERY = timedelta(minutes=1)


@dataclass
class Cycle:
    """What one pass did."""

    reminded: int = 0
    pruned: int = 0
    sent: int = 0
    failed: int = 0


class Worker:
    def __init__(
        self,
        database: Database,
        transport: Transport,
        courier: MailCourier,
        clock: Clock,
        policy: RetryPolicy,
    ) -> None:
        self.database, self.transport, self.courier = database, transport, courier
        self.clock, self.policy = clock, policy
        self._reminders_scanned_at: datetime | None = None

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> "Worker":
        clock = clock or Clock()
        database = open_database(settings)
        return cls(
            database,
            make_transport(settings, clock),
            MailCourier.from_settings(settings, database, clock),
            clock,
            RetryPolicy.from_settings(settings),
        )

    def close(self) -> None:
        self.transport.close()
        self.database.dispose()

    def run_once(self) -> Cycle:
        """Enqueue due reminders, then deliver one batch of due notifications."""
        cycle = Cycle(reminded=self._enqueue_reminders(), pruned=self._prune())
        for notification, message in self._claim():
            if self._deliver(notification, message):
                cycle.sent += 1
            else:
                cycle.failed += 1
        return cycle

    def run(self, interval: float, stop: threading.Event) -> None:
        """Pass after pass until `stop` is set; a full batch goes on at once."""
        while not stop.is_set():
            try:
                cycle = self.run_once()
            except Exception:
                # The database may be restarting: the rows wait, leased or due, for the next pass.
                log.exception("worker pass failed")
                cycle = Cycle()
            if cycle.sent + cycle.failed < self.policy.batch_size:
                stop.wait(interval)

    def _enqueue_reminders(self) -> int:
        now = self.clock.now()
        last = self._reminders_scanned_at
        if last is not None and now - last < REMINDER_SCAN_EVERY:
            return 0
        with self.database.session(write=True) as db:
            count = reminders.enqueue_due_reminders(db, now)
            db.commit()
        self._reminders_scanned_at = now
        return count

    def _prune(self) -> int:
        with self.database.session(write=True) as db:
            count = outbox.prune(db, self.clock.now())
            db.commit()
        return count

    def _claim(self) -> list[tuple[Notification, PushMessage]]:
        with self.database.session(write=True) as db:
            claimed = outbox.claim_due(db, self.policy, self.clock.now())
            targets = devices.push_targets(db, {n.recipient_user_id for n in claimed})
            names = notices.actor_names(db, claimed)
            db.commit()
        return [
            (n, PushMessage.of(n, notices.titled(n, names), targets[n.recipient_user_id]))
            for n in claimed
        ]

    def _deliver(self, notification: Notification, message: PushMessage) -> bool:
        if mails.is_mail(notification):
            send = partial(self.courier.send, notification)
        else:
            send = partial(self.transport.send, message)
        return outbox.deliver(self.database, notification, send, self.policy, self.clock.now)


def run_worker(settings: Settings, *, once: bool, interval: float) -> int:
    """The command: one pass with `once`, else passes until SIGINT or SIGTERM."""
    if settings.migrate_on_start:
        migrate(settings.database_url)
    worker = Worker.from_settings(settings)
    try:
        if once:
            cycle = worker.run_once()
            log.info("worker pass", extra=vars(cycle))
            return 0
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        log.info("worker started", extra={"transport": settings.notify_transport.value})
        worker.run(interval, stop)
        return 0
    finally:
        worker.close()
