from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from atelier.contracts.snapshot import SnapshotStatus
from atelier.kit.db import model_base
from atelier.kit.outbox import add_outbox_and_inbox

Base = model_base("snapshot")

STATUSES = ", ".join(f"'{status.value}'" for status in SnapshotStatus)


class SnapshotRow(Base, table=True):  # type: ignore[call-arg]
    """A frozen design. Only ``status`` may ever change; the database refuses anything else
    (trigger ``snapshots_immutable``, see the first migration)."""

    __tablename__ = "snapshots"
    __table_args__ = (
        CheckConstraint(f"status IN ({STATUSES})", name="snapshots_status"),
    )

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    product_id: str = Field(max_length=64)
    spec_hash: str = Field(max_length=64)
    template_version: int
    spec: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


outbox, inbox = add_outbox_and_inbox(Base.metadata)
