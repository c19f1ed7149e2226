"""Use cases of the ingress service: take a provider's delivery (verified, stored once, handed
on through the outbox), connect a shop, replay a stored delivery."""

import ipaddress
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import IPvAnyNetwork

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.catalog import WEBHOOK_RECEIVED
from atelier.contracts.commerce import PaymentIntentCreated
from atelier.contracts.ingress import (
    SHOP_DOMAIN_PATTERN,
    ConnectShopify,
    ShopifyConnection,
    WebhookReceived,
    WebhookSource,
)
from atelier.ingress import verify
from atelier.ingress.repository import IngressRepository, brand_of_intent, find_shop
from atelier.ingress.settings import IngressSettings
from atelier.kit.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    UnsupportedMediaType,
)
from atelier.kit.outbox import UnitOfWork
from atelier.kit.runtime import Runtime

log = logging.getLogger(__name__)

SHOPIFY_TOPICS = frozenset({
    "orders/paid", "orders/cancelled", "refunds/create", "fulfillments/create",
    "products/update", "app/uninstalled",
    # the mandatory privacy topics of every Shopify app
    "customers/data_request", "customers/redact", "shop/redact",
})
STRIPE_TYPES = frozenset({
    "payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"})
# the metadata Atelier sets on the PaymentIntents it creates: a Stripe event names its brand so
STRIPE_BRAND_METADATA = "atelier_brand_id"
# kept with the raw body: what a person replaying or auditing a delivery wants to read
_KEPT_HEADER_PREFIXES = ("x-shopify-", "shopify-", "stripe-", "content-type", "user-agent")


@dataclass(frozen=True)
class Receipt:
    """What the provider is answered (200 in every case: it must not retry)."""

    status: Literal["accepted", "duplicate", "ignored"]
    delivery_id: str | None = None
    reason: str | None = None


def _refused(error: type[Unauthorized] | type[Forbidden], field: str, code: ErrorCode,
             message: str) -> Exception:
    return error(message, [ErrorItem(field=field, code=code, message=message)])


def _check_network(peer: str | None, networks: Sequence[IPvAnyNetwork], source: str) -> None:
    if not networks:
        return
    try:
        address = ipaddress.ip_address(peer or "")
    except ValueError:  # no peer address (a test client, a Unix socket): not in any network
        address = None
    if address is None or not any(address in network for network in networks):
        raise _refused(Forbidden, "source", ErrorCode.NETWORK_NOT_ALLOWED,
                       f"{source} deliveries are accepted only from the configured networks")


def _json_object(content_type: str | None, body: bytes) -> dict[str, Any]:
    if content_type is None or content_type.split(";")[0].strip().lower() != "application/json":
        raise UnsupportedMediaType("Webhook bodies are JSON.", [ErrorItem(
            field="content-type", code=ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            message="Send the body as application/json.")])
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        payload = None
    if not isinstance(payload, dict):
        raise BadRequest("The body is not a JSON object.", [ErrorItem(
            field="body", code=ErrorCode.MALFORMED_JSON, message="Send a JSON object.")])
    return payload


def _kept(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower().startswith(_KEPT_HEADER_PREFIXES)}


async def take_shopify(runtime: Runtime, settings: IngressSettings, topic: str, body: bytes,
                       headers: Mapping[str, str], peer: str | None) -> Receipt:
    """A Shopify delivery: the topic known, the shop connected, the HMAC of the raw body under
    its secret (or the previous one), then stored once per event id."""
    if topic not in SHOPIFY_TOPICS:
        raise NotFound(f"Atelier takes no Shopify topic {topic!r}.", [ErrorItem(
            field="topic", code=ErrorCode.NOT_FOUND,
            message=f"Subscribe to one of: {', '.join(sorted(SHOPIFY_TOPICS))}.")])
    _check_network(peer, settings.shopify_networks, "Shopify")
    domain = verify.header(headers, "X-Shopify-Shop-Domain") or ""
    if not re.fullmatch(SHOP_DOMAIN_PATTERN, domain):
        raise _refused(Unauthorized, "X-Shopify-Shop-Domain", ErrorCode.INVALID_SIGNATURE,
                       "The delivery names no Shopify shop (X-Shopify-Shop-Domain).")
    async with runtime.db.session(across_brands=True) as session:
        shop = await find_shop(session, domain)
    if shop is None:
        raise _refused(Unauthorized, "X-Shopify-Shop-Domain", ErrorCode.INVALID_SIGNATURE,
                       f"The shop {domain} is not connected to a brand: no secret to verify "
                       "its delivery with.")
    secrets = [s for s in (shop.secret, shop.previous_secret) if s]
    try:
        verify.check_shopify(body, verify.header(headers, "X-Shopify-Hmac-Sha256"), secrets)
    except verify.SignatureRefused as refused:
        raise _refused(Unauthorized, "X-Shopify-Hmac-Sha256", ErrorCode.INVALID_SIGNATURE,
                       f"The delivery is refused: {refused}.") from None
    payload = _json_object(headers.get("content-type"), body)
    # the same on every delivery of one event; the webhook id names one delivery (older apps)
    event_id = (verify.header(headers, "X-Shopify-Event-Id")
                or verify.header(headers, "X-Shopify-Webhook-Id"))
    if not event_id or len(event_id) > 255:
        raise BadRequest("The delivery has no event id.", [ErrorItem(
            field="X-Shopify-Event-Id", code=ErrorCode.INVALID_FIELD,
            message="Shopify sends X-Shopify-Event-Id (or X-Shopify-Webhook-Id).")])
    return await _store(runtime, WebhookSource.SHOPIFY, topic, event_id, shop.brand_id, body,
                        payload, headers, shop_domain=domain)


async def take_stripe(runtime: Runtime, settings: IngressSettings, body: bytes,
                      headers: Mapping[str, str], peer: str | None, now: float) -> Receipt:
    """A Stripe delivery: signed with the endpoint's secret within the tolerance, then stored
    once per event id. Events of types Atelier does not handle, or of payments Atelier did not
    create, are answered and dropped; an event without Atelier's metadata (a refunded charge)
    is Atelier's when its PaymentIntent is one commerce made."""
    _check_network(peer, settings.stripe_networks, "Stripe")
    secrets = [s.get_secret_value() for s in settings.stripe_webhook_secrets]
    try:
        verify.check_stripe(body, headers.get("stripe-signature"), secrets, now,
                            settings.stripe_tolerance_s)
    except verify.SignatureRefused as refused:
        raise _refused(Unauthorized, "Stripe-Signature", ErrorCode.INVALID_SIGNATURE,
                       f"The delivery is refused: {refused}.") from None
    payload = _json_object(headers.get("content-type"), body)
    event_id, topic = payload.get("id"), payload.get("type")
    if not isinstance(event_id, str) or not isinstance(topic, str) or len(event_id) > 255:
        raise BadRequest("The body is not a Stripe event.", [ErrorItem(
            field="body", code=ErrorCode.INVALID_FIELD, message="A Stripe event has an id and "
            "a type.")])
    if topic not in STRIPE_TYPES:
        return Receipt("ignored", reason=f"Atelier does not handle {topic}")
    obj = payload.get("data", {}).get("object", {}) if isinstance(payload.get("data"), dict) \
        else {}
    metadata = obj.get("metadata") if isinstance(obj, dict) else None
    brand_id = metadata.get(STRIPE_BRAND_METADATA) if isinstance(metadata, dict) else None
    if not isinstance(brand_id, str) or not brand_id:
        brand_id = await _brand_of_intent(runtime, obj)
    if not isinstance(brand_id, str) or not brand_id:
        log.info("stripe event %s (%s) is not an Atelier payment: dropped", event_id, topic)
        return Receipt("ignored", reason="not a payment Atelier created")
    return await _store(runtime, WebhookSource.STRIPE, topic, event_id, brand_id, body, payload,
                        headers)


async def _brand_of_intent(runtime: Runtime, obj: Any) -> str | None:
    """A charge (or an intent) without Atelier's metadata: the brand commerce recorded for its
    PaymentIntent when it made it (``payment.intent_created``), if it did."""
    if not isinstance(obj, dict):
        return None
    intent = obj.get("payment_intent") if obj.get("object") == "charge" else obj.get("id")
    if not isinstance(intent, str) or not intent or len(intent) > 255:
        return None
    async with runtime.db.session(across_brands=True) as session:
        return await brand_of_intent(session, intent)


async def remember_intent(uow: UnitOfWork[IngressRepository], brand_id: str,
                          created: PaymentIntentCreated) -> None:
    await uow.repository.remember_intent(brand_id, created.payment_intent_id, created.order_id)


async def _store(runtime: Runtime, source: WebhookSource, topic: str, event_id: str,
                 brand_id: str, body: bytes, payload: dict[str, Any],
                 headers: Mapping[str, str], shop_domain: str | None = None) -> Receipt:
    uow: UnitOfWork[IngressRepository]
    async with runtime.uow(brand_id) as uow:
        delivery_id = await uow.repository.record(source.value, event_id, topic, brand_id, body,
                                                  _kept(headers))
        if delivery_id is None:
            return Receipt("duplicate")
        uow.emit(WEBHOOK_RECEIVED, WebhookReceived(
            delivery_id=delivery_id, source=source, topic=topic, event_id=event_id,
            shop_domain=shop_domain, payload=payload), brand_id=brand_id)
        if shop_domain is not None and topic in ("customers/redact", "shop/redact"):
            await _redact(uow, shop_domain, topic, payload)
        await uow.commit()
    return Receipt("accepted", delivery_id)


async def _redact(uow: UnitOfWork[IngressRepository], shop_domain: str, topic: str,
                  payload: dict[str, Any]) -> None:
    """Shopify's privacy requests: the raw bodies of what the shop sent about the shopper (or,
    for shop/redact, everything it sent) blanked in the same transaction as the request is
    stored; commerce erases what it holds from the event."""
    orders = payload.get("orders_to_redact")
    order_ids = [str(o) for o in orders] if isinstance(orders, list) else []
    customer = payload.get("customer")
    email = customer.get("email") if isinstance(customer, dict) else None
    blanked = await uow.repository.redact(shop_domain, order_ids,
                                          email if isinstance(email, str) else None,
                                          everything=topic == "shop/redact")
    log.info("%s for %s: %d stored deliveries blanked", topic, shop_domain, blanked)


async def connect_shopify(uow: UnitOfWork[IngressRepository], brand_id: str,
                          shop: ConnectShopify) -> ShopifyConnection:
    if not await uow.repository.connect_shop(brand_id, shop):
        raise Conflict("This shop is connected to another brand.", [ErrorItem(
            field="shop_domain", code=ErrorCode.CONFLICT,
            message="Disconnect it from the other brand first.")])
    return ShopifyConnection(shop_domain=shop.shop_domain, brand_id=brand_id,
                             rotating=shop.previous_secret is not None)


async def replay(runtime: Runtime, delivery_id: str) -> WebhookReceived:
    """Hand a stored delivery on again (its consumers act on it once more: they are idempotent
    on what it is about, an order by its provider id)."""
    async with runtime.db.session(across_brands=True) as session:
        row = await IngressRepository(session).delivery(delivery_id)
    if row is None or row.brand_id is None:
        raise NotFound.of("delivery", "delivery_id")
    uow: UnitOfWork[IngressRepository]
    async with runtime.uow(row.brand_id) as uow:
        again = WebhookReceived(
            delivery_id=row.id, source=WebhookSource(row.source), topic=row.topic,
            event_id=row.external_id, shop_domain=row.headers.get("x-shopify-shop-domain"),
            payload=json.loads(row.payload), replayed=True)
        uow.emit(WEBHOOK_RECEIVED, again, brand_id=row.brand_id)
        await uow.commit()
    return again
