"""Orders as the shops sold them, and the production of their personalized items."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from atelier.contracts.types import Id, Line

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]
ExternalId = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_.:/-]+$",
                                  examples=["8123456789012"])]


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    IN_PRODUCTION = "in_production"
    READY = "ready"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class ItemStatus(StrEnum):
    """A line with nothing to personalize is ``plain``; a personalized one is ``held`` (for a
    person to look at, with the reason) or ``queued`` for production, then ``in_production``,
    ``ready`` or ``failed``."""

    PLAIN = "plain"
    HELD = "held"
    QUEUED = "queued"
    IN_PRODUCTION = "in_production"
    READY = "ready"
    FAILED = "failed"


class OrderItem(BaseModel):
    id: str
    line_id: str = Field(description="the provider's id of the line")
    title: str
    sku: str | None = None
    external_product_id: str | None = None
    product_id: str | None = Field(default=None, description="the Atelier product it maps to")
    snapshot_id: str | None = None
    quantity: int
    unit_price_minor: int
    total_minor: int = Field(description="quantity × unit price, less the line's discounts")
    currency: Currency
    status: ItemStatus
    hold_reason: str | None = None
    properties: dict[str, str] = Field(default_factory=dict,
                                       description="the customization as the shop sent it")


class TimelineEntry(BaseModel):
    at: datetime
    event: str = Field(description="paid, item_held, cancelled, refunded, shipped…")
    detail: str | None = None


class Order(BaseModel):
    id: str
    source: str
    external_id: str
    name: str | None = Field(default=None, description="the shop's order name: #1042")
    status: OrderStatus
    currency: Currency
    total_minor: int
    created_at: datetime
    email: str | None = Field(default=None, description="the shopper's address (personal data: "
                              "erased on the shop's redact webhooks)")
    locale: str | None = Field(default=None, description="the shopper's language, as the shop "
                               "sent it (fr, en-GB…)", examples=["fr"])
    items: list[OrderItem]
    timeline: list[TimelineEntry]


class OrderList(BaseModel):
    orders: list[Order]
    next_before: datetime | None = Field(
        default=None, description="pass as ?before= for the next, older page")


class GetOrder(BaseModel):
    order_id: Id


class ListOrders(BaseModel):
    status: OrderStatus | None = None
    before: datetime | None = None
    limit: int = Field(default=50, ge=1, le=200)


class ReleaseItem(BaseModel):
    order_id: Id
    item_id: Id
    by: Line = Field(min_length=1, max_length=200, description="who checked it")


class MapProduct(BaseModel):
    """The shop's product ``external_product_id`` is the Atelier product ``product_id``: its
    personalized lines must carry a snapshot of that product."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"external_product_id": "8123456789012",
         "product_id": "0193a5c6-7b1d-7d2e-9a3f-4c5d6e7f8a9b"}]})

    platform: Annotated[str, Field(pattern=r"^shopify$")] = "shopify"
    external_product_id: ExternalId
    product_id: Id


class ProductMapping(BaseModel):
    platform: str
    external_product_id: str
    product_id: str


class ItemToProduce(BaseModel):
    item_id: Id
    snapshot_id: Id
    product_id: Id
    quantity: int = Field(ge=1, le=100_000)


class OrderPaid(BaseModel):
    """An order was paid: its personalized items that passed every check are to be produced
    (held ones come later, one by one, as ``order.item_released``)."""

    order_id: Id
    order_name: str | None = Field(default=None, max_length=255)
    items: list[ItemToProduce] = Field(max_length=1000)


class ItemReleased(BaseModel):
    order_id: Id
    order_name: str | None = Field(default=None, max_length=255)
    item: ItemToProduce
    by: Line = Field(min_length=1, max_length=200)


Tracking = Annotated[str, Field(max_length=255)]


class Shipment(BaseModel):
    """How the order travels: the carrier, its tracking number and the page to follow it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"tracking_company": "La Poste", "tracking_number": "6A12345678901",
         "tracking_url": "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901"}]})

    tracking_company: Tracking | None = None
    tracking_number: Tracking | None = None
    tracking_url: Annotated[str, Field(max_length=2000, pattern=r"^https?://\S+$")] | None = None


class MarkShipped(Shipment):
    """A brand admin says the order left (a shop without fulfillment webhooks, a courier
    booked by hand)."""

    model_config = ConfigDict(extra="forbid")

    order_id: Id
    by: Line = Field(min_length=1, max_length=200, description="who shipped it")


class OrderShipped(Shipment):
    """An order was shipped (the shop's fulfillment, or a brand admin marking it shipped)."""

    model_config = ConfigDict(extra="forbid")

    order_id: Id
    order_name: str | None = Field(default=None, max_length=255)
