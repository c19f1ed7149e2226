from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class Base(SQLModel, registry=registry(metadata=MetaData(schema="snapshot"))):
    """Every table of this service, in its own Postgres schema."""


class SnapshotRow(Base, table=True):
    """A frozen design. Only its lifecycle columns ever change, along the transitions of
    ``domain.LIFECYCLE``, and a locked row not at all: the database refuses anything else
    (trigger ``snapshots_guard`` and the status check, see the first migration)."""

    __tablename__ = "snapshots"

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    product_id: str = Field(max_length=64)
    spec_hash: str = Field(max_length=64)
    template_version: int
    spec: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    provenance: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    review: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    validated_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    validated_by: str | None = Field(default=None, max_length=200)
    locked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    locked_by: str | None = Field(default=None, max_length=200)
    lock_reason: str | None = Field(default=None, max_length=500)
