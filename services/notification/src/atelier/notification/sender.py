"""The sender: hands the emails the sent log holds to the SMTP server, and records what came of
each attempt.

Exactly-once is impossible across SMTP (the server may take the message and the answer be lost),
so each email is sent in three steps, each its own transaction: claim (``sending``, an attempt
counted), hand over, mark (``sent``, or back to ``pending`` with a later time, or ``failed``). A
claim that is never marked (the process died mid-exchange) is found again once
``send_lease_s`` has passed, and the template's delivery rule decides: at least once (sent again,
the same bytes under the same Message-ID, so receivers drop the copy) or at most once (marked
``unknown``, not sent again). Each lost claim costs one attempt, so even a sender that dies on
every try stops after ``send_max_attempts``: no storm.

A temporary failure (connection refused or dropped, a timeout, a 4xx) is tried again after a
growing delay; a permanent one (5xx) is recorded with the server's reason and never retried,
and a 5xx refusing the recipient puts the address on the brand's suppression list (bounced).
Rows are found across brands (read only) and changed in their brand's transaction (row-level
security).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.utils import parseaddr

import aiosmtplib
from prometheus_client import Counter, Histogram

from atelier.kit.db import Database
from atelier.kit.telemetry import Metrics
from atelier.notification import domain
from atelier.notification.repository import NotificationRepository, Outbound
from atelier.notification.settings import NotificationSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    id: str
    brand_id: str
    template: str
    recipient: str
    mime: bytes
    attempts: int


class SmtpTransport:
    """The SMTP server of the settings (aiosmtplib: plain, STARTTLS or implicit TLS)."""

    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings

    async def __call__(self, sender: str, recipient: str, message: bytes) -> None:
        s = self.settings
        await aiosmtplib.send(
            message, sender=sender, recipients=[recipient], hostname=s.smtp_host,
            port=s.smtp_port, username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            use_tls=s.smtp_tls == "tls", start_tls=True if s.smtp_tls == "starttls" else False,
            validate_certs=s.smtp_validate_certs, timeout=s.smtp_timeout_s)


Transport = Callable[[str, str, bytes], Awaitable[None]]


def verdict_of(exc: Exception) -> domain.SmtpVerdict:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        refused = exc.recipients[0]
        return domain.smtp_verdict(refused.code, refused.message, recipient_refused=True)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return domain.smtp_verdict(exc.code, exc.message)
    return domain.smtp_verdict(None, f"{type(exc).__name__}: {exc}")  # no answer: temporary


class Sender:
    def __init__(self, db: Database, settings: NotificationSettings, metrics: Metrics,
                 transport: Transport | None = None, batch: int = 50) -> None:
        self.db = db
        self.settings = settings
        self.transport = transport or SmtpTransport(settings)
        self.batch = batch
        self.backoff = settings.send_backoff
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(settings.smtp_concurrency)
        self.outcomes = Counter("atelier_emails_total", "emails by template and outcome",
                                ["template", "outcome"], registry=metrics.registry)
        self.handover = Histogram("atelier_email_smtp_seconds", "SMTP hand-over time",
                                  registry=metrics.registry)

    def wake(self) -> None:
        """An email was committed: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        delay = 0.5
        while True:
            self._wake.clear()  # before the round: a commit during it starts another
            try:
                taken = await self.send_due()
                delay = 0.5
            except Exception as exc:  # the database away: try again, nothing is lost
                log.warning("sender round failed, again in %.1fs: %r", delay, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            if taken < self.batch:
                try:
                    await asyncio.wait_for(self._wake.wait(), self.settings.send_poll_s)
                except TimeoutError:
                    pass

    async def send_due(self) -> int:
        """Send every email due now (up to a batch); how many were due."""
        async with self.db.session(across_brands=True) as session, session.begin():
            due = await Outbound(session).due(self.settings.send_lease_s, self.batch)
        await asyncio.gather(*(self._send(row.id, row.brand_id) for row in due))
        return len(due)

    async def _send(self, message_id: str, brand_id: str) -> None:
        async with self._slots:
            outgoing = await self._claim(message_id, brand_id)
            if outgoing is None:
                return  # another sender took it, or it was an at-most-once claim gone stale
            headers = BytesHeaderParser().parsebytes(outgoing.mime)
            sender = parseaddr(str(headers["From"]))[1]
            started = asyncio.get_running_loop().time()
            try:
                await self.transport(sender, outgoing.recipient, outgoing.mime)
            except Exception as exc:
                await self._failed(outgoing, verdict_of(exc))
                return
            self.handover.observe(asyncio.get_running_loop().time() - started)
            await self._settle(outgoing, "sent")
            self.outcomes.labels(outgoing.template, "sent").inc()
            log.info("%s %s sent to %s", outgoing.template, outgoing.id,
                     domain.redact(outgoing.recipient))

    async def _claim(self, message_id: str, brand_id: str) -> Outgoing | None:
        lease = self.settings.send_lease_s
        async with self.db.session(brand_id=brand_id) as session, session.begin():
            outbound = Outbound(session)
            if (template := await outbound.give_up_lost(message_id, lease)) is not None:
                self.outcomes.labels(template, "unknown").inc()
                return None
            claimed = await outbound.claim(message_id, lease)
        if claimed is None or claimed.mime is None:
            return None
        return Outgoing(message_id, brand_id, claimed.template, claimed.recipient,
                        bytes(claimed.mime), claimed.attempts)

    async def _failed(self, outgoing: Outgoing, verdict: domain.SmtpVerdict) -> None:
        who = domain.redact(outgoing.recipient)
        if verdict.permanent:
            await self._settle(outgoing, "failed", verdict.reason, bounced=verdict.bounced)
            self.outcomes.labels(outgoing.template, "failed").inc()
            log.warning("%s %s to %s refused for good: %s", outgoing.template, outgoing.id,
                        who, verdict.reason)
        elif outgoing.attempts >= self.backoff.attempts:
            await self._settle(outgoing, "failed", (
                f"gave up after {outgoing.attempts} attempts: {verdict.reason}")[:1000])
            self.outcomes.labels(outgoing.template, "failed").inc()
            log.error("%s %s to %s given up after %d attempts: %s", outgoing.template,
                      outgoing.id, who, outgoing.attempts, verdict.reason)
        else:
            delay = self.backoff.delay(outgoing.attempts)
            await self._settle(outgoing, "pending", verdict.reason, retry_in_s=delay)
            self.outcomes.labels(outgoing.template, "retry").inc()
            log.warning("%s %s to %s not sent (attempt %d), again in %.0fs: %s",
                        outgoing.template, outgoing.id, who, outgoing.attempts, delay,
                        verdict.reason)

    async def _settle(self, outgoing: Outgoing, status: str, error: str | None = None, *,
                      bounced: bool = False, retry_in_s: float | None = None) -> None:
        async with self.db.session(brand_id=outgoing.brand_id) as session, session.begin():
            await Outbound(session).settle(outgoing.id, outgoing.attempts, status, error,
                                           retry_in_s)
            if bounced:
                await NotificationRepository(session).suppress(
                    outgoing.brand_id, outgoing.recipient.lower(), "bounced")
