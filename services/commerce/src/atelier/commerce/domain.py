"""Orders as the providers send them, read into what commerce keeps: pure functions, no I/O."""

import hashlib
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from atelier.contracts.money import line_total, to_minor
from atelier.contracts.spec import AnySpec
from atelier.contracts.types import WEB_URL

SNAPSHOT_PROPERTY = "_atelier_snapshot"  # the widget's hidden line-item property


class NotAnOrder(ValueError):
    """The payload is not an order we can read: the message is poison, with this reason."""


@dataclass(frozen=True)
class Line:
    line_id: str
    title: str
    sku: str | None
    external_product_id: str | None
    quantity: int
    unit_price_minor: int
    total_minor: int
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def snapshot_id(self) -> str | None:
        return self.properties.get(SNAPSHOT_PROPERTY) or None


@dataclass(frozen=True)
class ShopOrder:
    external_id: str
    name: str | None
    currency: str
    total_minor: int
    email: str | None
    locale: str | None
    lines: list[Line]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def shopify_order(payload: dict[str, Any]) -> ShopOrder:
    """A Shopify order (the body of ``orders/paid``): amounts in the order's currency as exact
    minor units, each line's total its price × quantity less its discount allocations."""
    try:
        currency = str(payload["currency"]).upper()
        lines = []
        for item in payload.get("line_items") or []:
            quantity = int(item["quantity"])
            unit = to_minor(item["price"], currency)
            discounts = sum(to_minor(d["amount"], currency)
                            for d in item.get("discount_allocations") or [])
            properties = {str(p["name"]): str(p["value"]) for p in item.get("properties") or []
                          if isinstance(p, dict) and "name" in p and p.get("value") is not None}
            lines.append(Line(
                line_id=str(item["id"]), title=str(item.get("title") or item.get("name") or ""),
                sku=_text(item.get("sku")) or None,
                external_product_id=_text(item.get("product_id")), quantity=quantity,
                unit_price_minor=unit, total_minor=unit * quantity - discounts,
                properties=properties))
        total = payload.get("current_total_price", payload.get("total_price"))
        if total is None:
            raise KeyError("total_price")
        return ShopOrder(external_id=str(payload["id"]), name=_text(payload.get("name")),
                         currency=currency, total_minor=to_minor(total, currency),
                         email=_text(payload.get("email")),
                         locale=(_text(payload.get("customer_locale")) or "")[:35] or None,
                         lines=lines)
    except (KeyError, TypeError, ValueError) as exc:
        raise NotAnOrder(f"not a Shopify order: {type(exc).__name__}: {exc}") from exc


def shopify_shipment(payload: dict[str, Any]) -> dict[str, str | None]:
    """The carrier, tracking number and tracking page of a Shopify fulfillment (a tracking page
    that is not an http(s) address is left out: it goes into an email as a link)."""
    urls = payload.get("tracking_urls") or []
    url = payload.get("tracking_url") or (urls[0] if isinstance(urls, list) and urls else None)
    text = {k: (_text(payload.get(k)) or "")[:255] or None
            for k in ("tracking_company", "tracking_number")}
    good_url = isinstance(url, str) and len(url) <= 2000 and bool(re.fullmatch(WEB_URL, url))
    return {**text, "tracking_url": url if good_url else None}


# --- prices (Stripe payments) ------------------------------------------------------------------
def filled_zones(spec: AnySpec) -> set[str]:
    """The zones a design uses: those with a text that is not blank."""
    return {zone.key for zone in spec.zones if zone.text.strip()}


def unit_price(amount_minor: int, zone_surcharges: Mapping[str, int], used: Iterable[str]) -> int:
    """One unit of a personalized product: its price plus the surcharge of each zone the design
    uses (a zone without a surcharge adds nothing). Minor units of the price's currency."""
    return amount_minor + sum(zone_surcharges.get(zone, 0) for zone in set(used))


def item_total(amount_minor: int, zone_surcharges: Mapping[str, int], used: Iterable[str],
               quantity: int, discount_minor: int = 0) -> tuple[int, int]:
    """An item's unit price and its total (``quantity`` units less ``discount_minor``): the one
    place a price is computed from a design, in exact integers."""
    unit = unit_price(amount_minor, zone_surcharges, used)
    return unit, line_total(unit, quantity, discount_minor)


@dataclass(frozen=True)
class PaymentKeys:
    """What a payment request is known by outside: the PaymentIntent's idempotency key and the
    id of its order, both derived from the brand and the request's key, so that a request
    retried after any failure asks Stripe the very same thing (Stripe answers a repeated key
    with the first PaymentIntent, and refuses one whose parameters changed)."""

    idempotency_key: str
    order_id: str


def payment_keys(brand_id: str, request_key: str) -> PaymentKeys:
    digest = hashlib.sha256(f"{brand_id}\n{request_key}".encode()).digest()
    return PaymentKeys(idempotency_key=f"atelier-pi-{digest.hex()}",
                       order_id=str(uuid.UUID(bytes=digest[:16], version=4)))
