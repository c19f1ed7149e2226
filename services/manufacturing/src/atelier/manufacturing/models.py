from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, MetaData, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class Base(SQLModel, registry=registry(metadata=MetaData(schema="manufacturing"))):
    """Every table of this service, in its own Postgres schema."""


class WorkOrderRow(Base, table=True):
    """The production of one paid order item; one per item, so a redelivered order event does
    not produce twice."""

    __tablename__ = "work_orders"
    __table_args__ = (
        UniqueConstraint("brand_id", "order_item_id", name="work_orders_order_item"),
    )

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    order_id: str = Field(max_length=64)
    order_item_id: str = Field(max_length=64)
    snapshot_id: str = Field(max_length=64)
    status: str = Field(max_length=32)
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    updated_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class BundleRow(Base, table=True):
    """A production bundle (ZIP of SVG, DXF, PDF, PNG) in object storage, with its manifest."""

    __tablename__ = "bundles"

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    work_order_id: str = Field(
        sa_column=Column(
            String(64), ForeignKey("manufacturing.work_orders.id"), nullable=False, index=True
        )
    )
    object_key: str = Field(max_length=512)
    status: str = Field(max_length=32)
    manifest: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
