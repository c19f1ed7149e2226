"""What the notification service keeps: each brand's email settings, the log of every email it
decided to send (the sent log, which is also the delivery queue) and the suppression list."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class Base(SQLModel, registry=registry(metadata=MetaData(schema="notification"))):
    """Every table of this service, in its own Postgres schema."""


def _instant(nullable: bool = True, now: bool = False) -> Any:
    return Field(default=None, sa_column=Column(
        DateTime(timezone=True), nullable=nullable,
        server_default=func.now() if now else None))


class EmailSettingsRow(Base, table=True):
    """A brand's email settings (``atelier.contracts.notification.EmailSettings`` as JSON)."""

    __tablename__ = "email_settings"

    brand_id: str = Field(primary_key=True, max_length=64)
    settings: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    updated_at: datetime | None = _instant(nullable=False, now=True)


# the states of a message: pending (to send, at next_attempt_at), sending (claimed by a sender
# at claimed_at), and the ends: sent, failed (refused for good, or given up), suppressed (the
# address is on the suppression list), unknown (an at-most-once email whose sender died during
# the SMTP exchange: it may or may not have left, and is not sent again)
STATUSES = ("pending", "sending", "sent", "failed", "suppressed", "unknown")


class MessageRow(Base, table=True):
    """One email to one recipient, decided once per (event, template, recipient): the row is
    inserted in the transaction that handles the event, so a redelivered or replayed event
    finds it there and sends nothing more. The message is stored whole (``mime``), so every
    attempt sends the same bytes under the same Message-ID."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("event_id", "template", "recipient", name="messages_once"),
        CheckConstraint(f"status IN {STATUSES}", name="messages_status"),
        CheckConstraint("delivery IN ('at_least_once', 'at_most_once')",
                        name="messages_delivery"),
        # what the senders look for: pending rows by due time, and claims gone stale
        Index("messages_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("messages_claimed", "claimed_at", postgresql_where=text("status = 'sending'")),
        Index("messages_of_order", "brand_id", "order_id",
              postgresql_where=text("order_id IS NOT NULL")),
    )

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    event_id: str = Field(max_length=64)
    template: str = Field(max_length=64)
    recipient: str = Field(max_length=320)  # personal data: never logged (see domain.redact)
    order_id: str | None = Field(default=None, max_length=64)  # the shopper's emails: erasable
    locale: str = Field(max_length=8)
    subject: str = Field(max_length=998)  # RFC 5322 line limit
    message_id: str = Field(max_length=255)  # the Message-ID header, stable per row
    mime: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    delivery: str = Field(max_length=16)
    status: str = Field(max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = _instant(now=True)
    claimed_at: datetime | None = _instant()
    last_error: str | None = Field(default=None, max_length=1000)
    correlation_id: str = Field(max_length=64, index=True)
    created_at: datetime | None = _instant(nullable=False, now=True)
    sent_at: datetime | None = _instant()


class SuppressionRow(Base, table=True):
    """An address a brand sends no more email to: bounced (none at all) or unsubscribed and
    manual (no optional email)."""

    __tablename__ = "suppressions"

    brand_id: str = Field(primary_key=True, max_length=64)
    address: str = Field(primary_key=True, max_length=320)  # lower-cased
    reason: str = Field(max_length=16)
    created_at: datetime | None = _instant(nullable=False, now=True)
