from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    LargeBinary,
    MetaData,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class Base(SQLModel, registry=registry(metadata=MetaData(schema="ingress"))):
    """Every table of this service, in its own Postgres schema."""


SOURCES = ("shopify", "stripe")


class WebhookEventRow(Base, table=True):
    """One verified delivery of a provider, kept raw (the body its signature was computed on).

    The provider's own event id is unique per source: Shopify and Stripe retry for hours or
    days, long after JetStream's dedup window, so a retry is recognised here."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="webhook_events_source_external_id"),
        CheckConstraint(
            "source IN ({})".format(", ".join(f"'{s}'" for s in SOURCES)),
            name="webhook_events_source",
        ),
    )

    id: str = Field(primary_key=True, max_length=64)
    source: str = Field(max_length=16)
    external_id: str = Field(max_length=255)
    topic: str = Field(max_length=255)
    # resolved later from the shop domain / Stripe account: unknown when the delivery arrives
    brand_id: str | None = Field(default=None, max_length=64, index=True)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    headers: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    received_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    processed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True))
    )


class ShopifyShop(Base, table=True):
    """A Shopify shop connected to a brand: its webhooks name the shop (``X-Shopify-Shop-Domain``)
    and are verified with its secret, or the previous one during a rotation. A shop belongs to
    one brand."""

    __tablename__ = "shopify_shops"

    shop_domain: str = Field(primary_key=True, max_length=80)
    brand_id: str = Field(max_length=64, index=True)
    secret: str = Field(max_length=256)
    previous_secret: str | None = Field(default=None, max_length=256)
    connected_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class StripePaymentIntent(Base, table=True):
    """A PaymentIntent commerce made, and its brand: how a Stripe event that carries no
    Atelier metadata (a refunded charge names only its ``payment_intent``) finds its brand."""

    __tablename__ = "stripe_payment_intents"

    payment_intent_id: str = Field(primary_key=True, max_length=255)
    brand_id: str = Field(max_length=64, index=True)
    order_id: str = Field(max_length=64)
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
