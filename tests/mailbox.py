"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests."""

import re
import socket
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

TOKEN_IN_MAIL = re.compile(r"#token=([A-Za-z0-9_-]+)")


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    def last_token(self, address: str, subject_word: str) -> str:
        mails = [m for m in self.to(address) if subject_word.lower() in m["Subject"].lower()]
        assert mails, f"no mail about {subject_word!r} reached {address}"
        body = mails[-1].get_payload(decode=True)
        assert isinstance(body, bytes)
        found = TOKEN_IN_MAIL.search(body.decode())
        assert found, "the mail carries no token link"
        return found.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
