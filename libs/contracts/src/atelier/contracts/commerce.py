"""Orders as the shops sold them, and the production of their personalized items."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from atelier.contracts.money import CURRENCIES
from atelier.contracts.spec import KEY
from atelier.contracts.types import INTEGRAL, ONLY_PATTERN_KEYS, WEB_URL, Email, Id, Line

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]


def _known_currency(code: str) -> str:
    if code not in CURRENCIES:
        raise ValueError(f"{code} is not an active ISO 4217 currency")
    return code


# a currency a price may be set in: an active ISO 4217 code, upper case
PriceCurrency = Annotated[Currency, AfterValidator(_known_currency),
                          Field(json_schema_extra={"enum": sorted(CURRENCIES)})]
# an amount in minor units: a trillion is far beyond any item's price, well inside a bigint and
# a JSON number every reader holds exactly (2**53); strict, so that JSON's false is not 0
MAX_MINOR = 10**12
Minor = Annotated[int, Field(strict=True, ge=0, le=MAX_MINOR, examples=[2450]), INTEGRAL]
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
    """A line with nothing to personalize is ``plain``; a personalized one waits for the
    order's payment (``pending``), then is ``held`` (for a
    person to look at, with the reason) or ``queued`` for production, then ``in_production``,
    ``ready`` or ``failed``."""

    PLAIN = "plain"
    PENDING = "pending"  # of an order not paid yet (a Stripe payment under way)
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
    """An order with personalized lines was paid (once per order: its confirmation is sent;
    an order of plain products only is not told, the shop confirms it): its personalized items
    that passed every check are to be produced, none when every one is held (held ones come
    later, one by one, as ``order.item_released``)."""

    order_id: Id
    order_name: str | None = Field(default=None, max_length=255)
    items: list[ItemToProduce] = Field(max_length=1000)


class ItemReleased(BaseModel):
    order_id: Id
    order_name: str | None = Field(default=None, max_length=255)
    item: ItemToProduce
    by: Line = Field(min_length=1, max_length=200)


Tracking = Annotated[str, Field(max_length=255)]


class PersonalDataErased(BaseModel):
    """A shop's privacy request was carried out on commerce's orders (Shopify's
    ``customers/redact``: these orders; ``shop/redact``: every order of the brand): the other
    services erase what they hold of those shoppers. Ids only: no personal data on the bus."""

    order_ids: list[Id] = Field(default_factory=list, max_length=10_000)
    every_order: bool = Field(default=False, strict=True)


class Shipment(BaseModel):
    """How the order travels: the carrier, its tracking number and the page to follow it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"tracking_company": "La Poste", "tracking_number": "6A12345678901",
         "tracking_url": "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901"}]})

    tracking_company: Tracking | None = None
    tracking_number: Tracking | None = None
    tracking_url: Annotated[str, Field(max_length=2000, pattern=WEB_URL)] | None = None


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


class ProductPrice(BaseModel):
    """A product's price in minor units of an ISO 4217 currency (2450 EUR is 24.50 €, 1000 JPY
    is ¥1000, 1250 KWD is 1.250 KD), and what each personalization zone adds when the design
    uses it (a non-empty text), as engraving is charged."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"currency": "EUR", "amount_minor": 2450, "zone_surcharges": {"name": 500}}]})

    currency: PriceCurrency
    amount_minor: Minor
    zone_surcharges: dict[Annotated[str, Field(pattern=KEY)], Minor] = Field(
        default_factory=dict, max_length=64, json_schema_extra=ONLY_PATTERN_KEYS,
        description="zone key → minor units added when the design fills that zone")


class SetPrice(ProductPrice):
    product_id: Id


class Price(ProductPrice):
    product_id: str
    updated_at: datetime


class GetPrice(BaseModel):
    product_id: Id


class PaymentItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    snapshot_id: Id = Field(description="a snapshot the widget created")
    quantity: Annotated[int, Field(strict=True, ge=1, le=1000), INTEGRAL] = 1


class CreatePaymentIntent(BaseModel):
    """What the shopper buys: snapshots and quantities. The amount is computed by Atelier from
    the brand's prices, never taken from the client (an ``amount`` field is refused)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"items": [{"snapshot_id": "0193a5c6-7b1d-7d2e-9a3f-4c5d6e7f8a9b", "quantity": 2}],
         "email": "ada@example.com", "locale": "fr-FR"}]})

    items: list[PaymentItem] = Field(min_length=1, max_length=50)
    email: Email | None = Field(default=None, description="the shopper's, for the receipt")
    locale: str | None = Field(default=None, max_length=35,
                               pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
                               examples=["fr-FR"], description="a BCP 47 language tag")

    @field_validator("items")
    @classmethod
    def _one_line_per_snapshot(cls, items: list[PaymentItem]) -> list[PaymentItem]:
        ids = [item.snapshot_id for item in items]
        if len(set(ids)) != len(ids):
            raise ValueError("give each snapshot once, with its quantity")
        return items


class PaymentIntentView(BaseModel):
    """The pending order and its Stripe PaymentIntent: the widget confirms the payment with the
    client secret (Stripe.js); the order is paid when Stripe says so (webhook)."""

    order_id: str
    payment_intent_id: str
    amount_minor: int
    currency: Currency
    client_secret: str
    status: OrderStatus


class PaymentIntentCreated(BaseModel):
    """Commerce made a Stripe PaymentIntent for an order: ingress learns whose it is, so that
    Stripe's events about it that carry no metadata (a refunded charge) reach the brand."""

    order_id: Id
    payment_intent_id: Annotated[str, Field(min_length=1, max_length=255,
                                            pattern=r"^[A-Za-z0-9_]+$",
                                            examples=["pi_3MtwBwLkdIwHu7ix28a3tqPa"])]
