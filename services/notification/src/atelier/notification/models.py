from datetime import datetime

from sqlalchemy import Column, DateTime, MetaData, func
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class Base(SQLModel, registry=registry(metadata=MetaData(schema="notification"))):
    """Every table of this service, in its own Postgres schema."""


class MessageRow(Base, table=True):
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
