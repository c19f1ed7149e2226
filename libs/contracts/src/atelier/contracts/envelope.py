"""The one envelope every bus message travels in."""

from datetime import UTC, datetime
from typing import Generic, TypeVar

import uuid_utils
from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T", bound=BaseModel)


def new_id() -> str:
    """A UUIDv7 string: unique, and sortable by creation time."""
    return str(uuid_utils.uuid7())


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel, Generic[T]):
    """``id`` is also the ``Nats-Msg-Id`` (JetStream dedup) and the inbox key of consumers."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=new_id, description="UUIDv7 of this message")
    type: str = Field(description="message type, e.g. snapshot.created")
    version: int = Field(default=1, ge=1)
    occurred_at: datetime = Field(default_factory=utcnow)
    producer: str = Field(description="service that produced the message")
    brand_id: str | None = Field(
        default=None, description="tenant; resolved by the gateway, never taken from a shopper"
    )
    correlation_id: str = Field(default_factory=new_id)
    causation_id: str | None = None
    data: T
