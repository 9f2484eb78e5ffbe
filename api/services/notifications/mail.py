"""Outgoing mail: the backend chosen by settings (`console` or `smtp`), and the courier that
takes mails out of the outbox (api/services/notifications/mails.py).

The API hands each mail to the courier right after answering, so it normally leaves at
once; a mail the server did not take stays in the outbox, and the worker retries it with
the notifications' backoff (api/services/notifications/outbox.py).
"""

import logging
import smtplib
import sys
from email.message import EmailMessage
from functools import partial
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from api.kernel.clock import Clock
from api.kernel.config import MailBackend, Settings
from api.kernel.db import Database
from api.models import Notification
from api.services.notifications import mails, outbox
from api.services.notifications.mails import Mail, MailPolicy
from api.services.notifications.outbox import DeliveryFailed, RetryPolicy

log = logging.getLogger("api.mail")


class Mailer(Protocol):
    def send(self, mail: Mail) -> None: ...


class ConsoleMailer:
    """Development only: prints each mail to standard output, away from the JSON logs."""

    def __init__(self, sender: str) -> None:
        self.sender = sender

    def send(self, mail: Mail) -> None:
        header = f"--- mail from {self.sender} to {mail.to}\nSubject: {mail.subject}\n\n"
        sys.stdout.write(f"{header}{mail.body}\n---\n")
        sys.stdout.flush()


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        try:
            with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=10) as smtp:
                if self.settings.smtp_starttls:
                    smtp.starttls()
                if self.settings.smtp_username and self.settings.smtp_password:
                    smtp.login(self.settings.smtp_username, self.settings.smtp_password)
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            # The class name only: the server's reply can quote the address or credentials.
            raise DeliveryFailed(
                f"mail server did not take the mail: {type(exc).__name__}"
            ) from exc


def make_mailer(settings: Settings) -> Mailer:
    if settings.mail_backend is MailBackend.smtp:
        return SmtpMailer(settings)
    return ConsoleMailer(settings.mail_from)


class MailCourier:
    def __init__(
        self,
        database: Database,
        mailer: Mailer,
        clock: Clock,
        retry: RetryPolicy,
        policy: MailPolicy,
    ) -> None:
        self.database, self.mailer, self.clock = database, mailer, clock
        self.retry, self.policy = retry, policy

    @classmethod
    def from_settings(cls, settings: Settings, database: Database, clock: Clock) -> "MailCourier":
        return cls(
            database,
            make_mailer(settings),
            clock,
            RetryPolicy.from_settings(settings),
            MailPolicy.from_settings(settings),
        )

    def send(self, notification: Notification) -> None:
        """Compose a claimed mail (its token committed first) and hand it to the server;
        DeliveryFailed when the server does not take it."""
        with self.database.session(write=True) as db:
            mail = mails.compose(db, notification, self.policy, self.clock.now())
            db.commit()
        if mail is not None:
            self.mailer.send(mail)

    def send_now(self, dedupe_key: str) -> None:
        """The API's first attempt, right after its answer: claimed like the worker claims,
        so the two never send one mail twice. It runs after the answer went out: with the
        database away, the mail waits in the outbox for the worker, and nothing is raised
        that no one could answer."""
        try:
            with self.database.session(write=True) as db:
                claimed = outbox.claim_due(db, self.retry, self.clock.now(), dedupe_key=dedupe_key)
                db.commit()
            for notification in claimed:
                send = partial(self.send, notification)
                outbox.deliver(self.database, notification, send, self.retry, self.clock.now)
        except SQLAlchemyError as error:
            log.warning("mail left to the worker", extra={"error": type(error).__name__})
