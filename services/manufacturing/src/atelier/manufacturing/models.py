from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class Base(SQLModel, registry=registry(metadata=MetaData(schema="manufacturing"))):
    """Every table of this service, in its own Postgres schema."""


class WorkOrderRow(Base, table=True):
    """The production of one snapshot's design with an output profile: pending, generating,
    then ready or failed (with the reason). One per order item when it is an order's, so that
    a redelivered order event does not produce twice."""

    __tablename__ = "work_orders"
    __table_args__ = (
        UniqueConstraint("brand_id", "order_item_id", name="work_orders_order_item"),
    )

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    order_id: str | None = Field(default=None, max_length=64)
    order_item_id: str | None = Field(default=None, max_length=64)
    snapshot_id: str = Field(max_length=64)
    spec_hash: str = Field(max_length=64)
    sku: str | None = Field(default=None, max_length=64)
    profile: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    status: str = Field(max_length=32)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    updated_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class BundleRow(Base, table=True):
    """A work order's production bundle (ZIP) in object storage, with its manifest; made again,
    the same bytes under the same key."""

    __tablename__ = "bundles"

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    work_order_id: str = Field(
        sa_column=Column(
            String(64), ForeignKey("manufacturing.work_orders.id"), nullable=False, index=True,
            unique=True,
        )
    )
    name: str = Field(max_length=255)
    object_key: str = Field(max_length=512)
    sha256: str = Field(max_length=64)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = Field(max_length=32)
    manifest: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class OutputProfileRow(Base, table=True):
    """A brand's own output profile (one of the platform's name: the brand's wins)."""

    __tablename__ = "output_profiles"

    brand_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(primary_key=True, max_length=32)
    profile: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    updated_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class ProductProfileRow(Base, table=True):
    """The profile a product's bundles are made with when an export names none."""

    __tablename__ = "product_profiles"

    brand_id: str = Field(primary_key=True, max_length=64)
    product_id: str = Field(primary_key=True, max_length=64)
    profile: str = Field(max_length=32)
    updated_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
