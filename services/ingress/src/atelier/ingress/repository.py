"""The ingress service's statements: stored deliveries, connected shops."""

import json
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from atelier.contracts import new_id
from atelier.contracts.ingress import ConnectShopify
from atelier.ingress.models import ShopifyShop, StripePaymentIntent, WebhookEventRow

REDACTED = b'{"redacted": true}'  # what is left of a body after a privacy request


def _about(payload: bytes, order_ids: set[str], email: str | None) -> bool:
    """Whether a stored body is about one of ``order_ids`` or the shopper with ``email``."""
    try:
        body = json.loads(payload)
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    customer = body.get("customer")
    customer = customer if isinstance(customer, dict) else {}
    return (str(body.get("id")) in order_ids or str(body.get("order_id")) in order_ids
            or (email is not None and email in (body.get("email"), customer.get("email"))))


class IngressRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, source: str, external_id: str, topic: str, brand_id: str,
                     payload: bytes, headers: dict[str, str]) -> str | None:
        """Store a delivery; None when the provider's event was stored before (a duplicate)."""
        added = await self.session.execute(
            insert(WebhookEventRow)
            .values(id=new_id(), source=source, external_id=external_id, topic=topic,
                    brand_id=brand_id, payload=payload, headers=headers)
            .on_conflict_do_nothing(constraint="webhook_events_source_external_id")
            .returning(col(WebhookEventRow.id))
        )
        return added.scalar_one_or_none()

    async def delivery(self, delivery_id: str) -> WebhookEventRow | None:
        return await self.session.get(WebhookEventRow, delivery_id)

    async def mark_replayed(self, delivery_id: str) -> None:
        await self.session.execute(
            update(WebhookEventRow).where(col(WebhookEventRow.id) == delivery_id)
            .values(processed_at=None))

    async def redact(self, shop_domain: str, order_ids: list[str], email: str | None,
                     everything: bool) -> int:
        """Blank the raw bodies of the shop's stored deliveries about ``order_ids`` or the
        shopper with ``email`` (all of them when ``everything``: shop/redact), keeping the rows
        (which event came, when) with a note of why; the redaction requests themselves stay.
        How many were blanked. The bodies are read here, not by the database: any JSON a
        signature covered is read (jsonb refuses some, a NUL escape say)."""
        shop = col(WebhookEventRow.headers)["x-shopify-shop-domain"].astext == shop_domain
        rows = await self.session.stream(
            select(col(WebhookEventRow.id), col(WebhookEventRow.payload))
            .where(col(WebhookEventRow.source) == "shopify", shop,
                   col(WebhookEventRow.topic).not_in(("customers/redact", "shop/redact")),
                   col(WebhookEventRow.payload) != REDACTED))
        chosen = [row.id async for row in rows
                  if everything or _about(row.payload, set(order_ids), email)]
        if chosen:
            await self.session.execute(update(WebhookEventRow)
                                       .where(col(WebhookEventRow.id).in_(chosen))
                                       .values(payload=REDACTED))
        return len(chosen)

    async def connect_shop(self, brand_id: str, shop: ConnectShopify) -> bool:
        """Connect (or re-key) a shop; False when another brand has it (this brand cannot see
        that row, but the key is taken)."""
        values: dict[str, Any] = {"secret": shop.secret, "previous_secret": shop.previous_secret}
        added = await self.session.execute(
            insert(ShopifyShop)
            .values(shop_domain=shop.shop_domain, brand_id=brand_id, **values)
            .on_conflict_do_nothing()
            .returning(col(ShopifyShop.shop_domain))
        )
        if added.first() is not None:
            return True
        changed = await self.session.execute(
            update(ShopifyShop)
            .where(col(ShopifyShop.shop_domain) == shop.shop_domain,
                   col(ShopifyShop.brand_id) == brand_id)
            .values(**values)
            .returning(col(ShopifyShop.shop_domain))
        )
        return changed.first() is not None

    async def remember_intent(self, brand_id: str, payment_intent_id: str, order_id: str) -> None:
        await self.session.execute(
            insert(StripePaymentIntent)
            .values(payment_intent_id=payment_intent_id, brand_id=brand_id, order_id=order_id)
            .on_conflict_do_nothing())


async def find_shop(session: AsyncSession, shop_domain: str) -> ShopifyShop | None:
    """The shop a webhook names, whichever brand has it (a session across brands: the brand is
    what this tells)."""
    found = await session.execute(
        select(ShopifyShop).where(col(ShopifyShop.shop_domain) == shop_domain))
    return found.scalar_one_or_none()


async def brand_of_intent(session: AsyncSession, payment_intent_id: str) -> str | None:
    """The brand a PaymentIntent was made for (a session across brands: the event names none)."""
    return (await session.execute(
        select(col(StripePaymentIntent.brand_id))
        .where(col(StripePaymentIntent.payment_intent_id) == payment_intent_id)
    )).scalar_one_or_none()
