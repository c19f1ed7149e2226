"""Orders as the shop sold them. Money is integer minor units of an ISO 4217 currency (cents,
yen, fils: DESIGN §5)."""

from datetime import datetime

from sqlalchemy import (
    CHAR,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
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
        # the brand's listings: by status, newest first
        Index("orders_listing", "brand_id", "status", "created_at"),
        CheckConstraint("total_minor >= 0", name="orders_total_minor"),
        iso_currency("orders"),
    )

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    source: str = Field(max_length=16)
    external_id: str = Field(max_length=255)
    name: str | None = Field(default=None, max_length=255)
    status: str = Field(max_length=32)
    currency: str = Field(sa_column=Column(CHAR(3), nullable=False))
    total_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    # personal data: erased on the shop's customers/redact and shop/redact
    email: str | None = Field(default=None, max_length=320)
    locale: str | None = Field(default=None, max_length=35)  # BCP 47: the emails' language
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class OrderItemRow(Base, table=True):
    """A line of an order; a personalized line points at its immutable snapshot."""

    __tablename__ = "order_items"
    __table_args__ = (
        UniqueConstraint("order_id", "line_id", name="order_items_line"),
        CheckConstraint("quantity > 0", name="order_items_quantity"),
        CheckConstraint("unit_price_minor >= 0", name="order_items_unit_price_minor"),
        iso_currency("order_items"),
    )

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    order_id: str = Field(
        sa_column=Column(String(64), ForeignKey("commerce.orders.id"), nullable=False, index=True)
    )
    line_id: str = Field(max_length=255)
    title: str = Field(max_length=500)
    sku: str | None = Field(default=None, max_length=255)
    external_product_id: str | None = Field(default=None, max_length=255)
    product_id: str | None = Field(default=None, max_length=64)
    # lines sold without personalization have no snapshot
    snapshot_id: str | None = Field(default=None, max_length=64)
    quantity: int
    unit_price_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    total_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(sa_column=Column(CHAR(3), nullable=False))
    status: str = Field(max_length=32)
    hold_reason: str | None = Field(default=None, max_length=1000)
    properties: dict[str, str] = Field(sa_column=Column(JSONB, nullable=False))


class PaymentRow(Base, table=True):
    """A payment of an order as its provider reported it, once per provider event."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("brand_id", "provider", "external_id", name="payments_external"),
        CheckConstraint("amount_minor >= 0", name="payments_amount_minor"),
        iso_currency("payments"),
    )

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    order_id: str = Field(
        sa_column=Column(String(64), ForeignKey("commerce.orders.id"), nullable=False, index=True)
    )
    provider: str = Field(max_length=16)
    external_id: str = Field(max_length=255)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
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


class OrderEventRow(Base, table=True):
    """The order's timeline: every event that changed it, in order."""

    __tablename__ = "order_events"

    id: str = Field(primary_key=True, max_length=64)  # UUIDv7: in the order they happened
    brand_id: str = Field(max_length=64, index=True)
    order_id: str = Field(
        sa_column=Column(String(64), ForeignKey("commerce.orders.id"), nullable=False, index=True)
    )
    event: str = Field(max_length=64)
    detail: str | None = Field(default=None, max_length=2000)
    at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class PriceRow(Base, table=True):
    """A product's price in the brand's shop (Stripe payments): one per product, in minor units
    of its currency, with what each personalization zone adds when the design fills it."""

    __tablename__ = "prices"
    __table_args__ = (
        UniqueConstraint("brand_id", "product_id", name="prices_product"),
        CheckConstraint("amount_minor >= 0", name="prices_amount_minor"),
        iso_currency("prices"),
    )

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    product_id: str = Field(max_length=64)
    currency: str = Field(sa_column=Column(CHAR(3), nullable=False))
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    zone_surcharges: dict[str, int] = Field(sa_column=Column(JSONB, nullable=False))
    updated_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
