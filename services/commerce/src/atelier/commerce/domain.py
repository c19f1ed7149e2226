"""Orders as the providers send them, read into what commerce keeps: pure functions, no I/O."""

import re
from dataclasses import dataclass, field
from typing import Any

from atelier.contracts.money import to_minor

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
    good_url = isinstance(url, str) and len(url) <= 2000 and bool(
        re.fullmatch(r"https?://\S+", url))
    return {**text, "tracking_url": url if good_url else None}
