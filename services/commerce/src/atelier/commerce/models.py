"""Orders as the shop sold them. Money is integer cents plus an ISO 4217 currency (DESIGN §5)."""

from datetime import datetime

from sqlalchemy import (
    CHAR,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    MetaData,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class Base(SQLModel, registry=registry(metadata=MetaData(schema="commerce"))):
    """Every table of this service, in its own Postgres schema."""


def iso_currency(table: str) -> CheckConstraint:
    return CheckConstraint("currency ~ '^[A-Z]{3}$'", name=f"{table}_currency")


class OrderRow(Base, table=True):
    """An order of a brand's shop, once per (source, external id): a webhook retry is a no-op."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("brand_id", "source", "external_id", name="orders_external"),
        CheckConstraint("total_cents >= 0", name="orders_total_cents"),
        iso_currency("orders"),
    )

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    source: str = Field(max_length=16)
    external_id: str = Field(max_length=255)
    status: str = Field(max_length=32)
    currency: str = Field(sa_column=Column(CHAR(3), nullable=False))
    total_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class OrderItemRow(Base, table=True):
    """A line of an order; a personalized line points at its immutable snapshot."""

    __tablename__ = "order_items"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="order_items_quantity"),
        CheckConstraint("unit_price_cents >= 0", name="order_items_unit_price_cents"),
        iso_currency("order_items"),
    )

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    order_id: str = Field(
        sa_column=Column(String(64), ForeignKey("commerce.orders.id"), nullable=False, index=True)
    )
    # lines sold without personalization have no snapshot
    snapshot_id: str | None = Field(default=None, max_length=64)
    quantity: int
    unit_price_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(sa_column=Column(CHAR(3), nullable=False))


class PaymentRow(Base, table=True):
    """A payment of an order as its provider reported it, once per provider event."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("brand_id", "provider", "external_id", name="payments_external"),
        CheckConstraint("amount_cents >= 0", name="payments_amount_cents"),
        iso_currency("payments"),
    )

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    order_id: str = Field(
        sa_column=Column(String(64), ForeignKey("commerce.orders.id"), nullable=False, index=True)
    )
    provider: str = Field(max_length=16)
    external_id: str = Field(max_length=255)
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(sa_column=Column(CHAR(3), nullable=False))
    status: str = Field(max_length=32)
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class ProductMappingRow(Base, table=True):
    """Which Atelier product a shop's product is, per platform."""

    __tablename__ = "product_mappings"
    __table_args__ = (
        UniqueConstraint(
            "brand_id", "platform", "external_product_id", name="product_mappings_external"
        ),
    )

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    platform: str = Field(max_length=16)
    external_product_id: str = Field(max_length=255)
    product_id: str = Field(max_length=64)
