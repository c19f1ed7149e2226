"""A local SMTP server that keeps every email it is given: ``make run`` delivers there (each
message written to ``var/mail/`` as an ``.eml`` file any mail client opens), and the tests read
what arrived (headers, parts, images) as a receiving server saw it. (``aiosmtpd`` is a
dependency of the devstack and of the tests, not of the services: only they import this.)

It is ``aiosmtpd`` (the SMTP server of the Python ecosystem, in a thread of its own), so what
it accepts is what a real server accepts: the tests hand their emails over real SMTP. For fault
tests it refuses the recipients or the data it is told to, with the reply it is told to give,
and it can be stopped and started again on the same port (an outage).
"""

import email
import email.policy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from atelier.kit.testing.servers import free_port


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    data: bytes
    at: float  # time.time() when the data was accepted

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class MailSink:
    def __init__(self, port: int | None = None, directory: Path | None = None,
                 host: str = "127.0.0.1",
                 announce: Callable[[Received, Path | None], None] | None = None) -> None:
        """``announce(message, file)``: told of each message accepted (in the server's thread),
        with the file it was kept in (None without a ``directory``)."""
        self.host = host
        self.announce = announce
        self.port = port or free_port()
        self.directory = directory
        self.received: list[Received] = []
        self.refuse_recipients: dict[str, str] = {}  # address → SMTP reply ("550 5.1.1 …")
        self.refuse_data: list[str] = []  # replies to the next DATA commands, in order
        self.attempts: list[str] = []  # every RCPT asked, refused or not
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    # --- aiosmtpd's handler hooks ----------------------------------------------------------------
    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        with self._lock:
            self.attempts.append(address)
        refusal = self.refuse_recipients.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            if self.refuse_data:
                return self.refuse_data.pop(0)
            data = envelope.original_content or b""
            if isinstance(data, str):
                data = data.encode()
            received = Received(str(envelope.mail_from), list(envelope.rcpt_tos), data,
                                time.time())
            self.received.append(received)
            count = len(self.received)
        kept = None
        if self.directory is not None:
            kept = self.directory / f"{time.strftime('%Y%m%d-%H%M%S')}-{count:05d}.eml"
            self.directory.mkdir(parents=True, exist_ok=True)
            kept.write_bytes(data)
        if self.announce is not None:
            self.announce(received, kept)
        return "250 Message accepted for delivery"

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "MailSink":
        self._controller = Controller(self, hostname=self.host, port=self.port,
                                      data_size_limit=25 * 1024 * 1024)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "MailSink":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def to(self, address: str) -> list[Received]:
        return [r for r in list(self.received) if address in r.recipients]
