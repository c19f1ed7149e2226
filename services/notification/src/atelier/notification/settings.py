import secrets
from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from atelier.kit.retry import Backoff
from atelier.kit.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    service: ClassVar[str] = "notification"
    http_port: int = 8017

    # the SMTP server every email is handed to (a relay: SendGrid, Postmark, SES, Mailpit, or
    # the local sink of `make run`)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_tls: Literal["none", "starttls", "tls"] = Field(
        default="none", description="none (a local sink), starttls (port 587: upgrade the plain "
        "connection, refusing a server that cannot) or tls (port 465: implicit TLS)")
    smtp_validate_certs: bool = True
    smtp_timeout_s: float = Field(default=30.0, gt=0, description="connect and each command")
    smtp_concurrency: int = Field(default=8, ge=1, description="emails handed over at once")
    # who emails come from: a brand's sender must be at one of these domains (the platform's
    # SPF, DKIM and DMARC are set up for them); a brand with no settings sends as the default
    sender_domains: list[str] = Field(default_factory=lambda: ["atelier.localhost"])
    default_sender_name: str = "Atelier"
    default_sender_address: str = "orders@atelier.localhost"
    # links in the emails: the gateway's public address (proof images, unsubscribe, retry)
    public_url: str = "http://127.0.0.1:8000"
    unsubscribe_secret: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_hex(32)),
        description="signs the unsubscribe links; unset, a random one per process (links stop "
        "working at a restart): set the same on every replica")
    proof_wait_s: float = Field(
        default=120.0, ge=0, description="an order confirmation waits up to this long after the "
        "payment for its items' mockups still being drawn (its event retried by the kit), then "
        "goes without the missing ones; less than half the kit's retries of a message last")
    # delivery: a temporary failure (server down, 4xx) tries again, the waits doubling from
    # send_retry_base_s up to send_retry_max_s, send_max_attempts in all: by default 10 s …
    # 10 min, about 7 hours, far past an SMTP outage; a permanent one (5xx) is never retried
    send_retry_base_s: float = Field(default=10.0, gt=0)
    send_retry_max_s: float = Field(default=600.0, gt=0)
    send_max_attempts: int = Field(default=48, ge=1)
    send_lease_s: float = Field(
        default=300.0, gt=0, description="a claimed email not marked sent after this long had "
        "its sender die mid-exchange: sent again (at least once) or given up (at most once), "
        "as its template says; longer than any SMTP exchange (smtp_timeout_s per command)")
    message_retention_h: float = Field(
        default=2160.0, ge=720, description="the sent log (and the emails in it) is kept this "
        "long: longer than the inbox (inbox_retention_h), so a replayed event finds its emails")
    send_poll_s: float = Field(default=2.0, gt=0,
                               description="how often due emails are looked for (a commit of "
                               "this process wakes the sender at once)")

    @property
    def send_backoff(self) -> Backoff:
        return Backoff(self.send_retry_base_s, self.send_retry_max_s, self.send_max_attempts)

    @property
    def proof_wait(self) -> float:
        """How long a confirmation waits for its proofs: ``proof_wait_s``, but never more than
        half of how long the kit retries a message, or its event could be dead-lettered while
        waiting and the shopper get no email at all."""
        return min(self.proof_wait_s, sum(self.delivery_backoff.schedule()) / 2)
