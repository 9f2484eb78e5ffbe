"""Outgoing mail through the backend chosen by settings: `console` or `smtp`."""

import smtplib
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from api.config import MailBackend, Settings


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


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
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=10) as smtp:
            if self.settings.smtp_starttls:
                smtp.starttls()
            if self.settings.smtp_username and self.settings.smtp_password:
                smtp.login(self.settings.smtp_username, self.settings.smtp_password)
            smtp.send_message(message)


def make_mailer(settings: Settings) -> Mailer:
    if settings.mail_backend is MailBackend.smtp:
        return SmtpMailer(settings)
    return ConsoleMailer(settings.mail_from)
