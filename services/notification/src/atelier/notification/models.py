from datetime import datetime

from sqlalchemy import Column, DateTime, func
from sqlmodel import Field

from atelier.kit.db import model_base

Base = model_base("notification")


class MessageRow(Base, table=True):  # type: ignore[call-arg]
    """The log of what was sent to whom, and why (the correlation id of the triggering flow)."""

    __tablename__ = "messages"

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=64)
    recipient: str = Field(max_length=320)  # the longest valid e-mail address
    subject: str = Field(max_length=998)  # RFC 5322 line limit
    status: str = Field(max_length=32)
    correlation_id: str = Field(max_length=64, index=True)
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
