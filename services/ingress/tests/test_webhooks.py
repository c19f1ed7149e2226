"""The providers' webhooks on the live app (real Postgres and NATS): signatures checked with the
providers' own rules (Stripe's SDK signs, the standard library signs Shopify's), each event
stored once, handed on through the outbox, everything else refused with nothing stored."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import stripe
from litestar.testing import AsyncTestClient

from atelier.contracts.catalog import PAYMENT_INTENT_CREATED
from atelier.contracts.commerce import PaymentIntentCreated
from atelier.contracts.ingress import ConnectShopify
from atelier.ingress import handlers
from atelier.ingress.app import create_app
from atelier.ingress.bootstrap import bootstrap
from atelier.kit.broker import namespaced_stream
from atelier.kit.db import asyncpg_dsn
from atelier.kit.testing.fakes import envelope
from atelier.kit.testing.plugin import eventually, running, stream_messages

SHOP = "atelier-demo.myshopify.com"
SECRET = "shpss_" + "a1" * 16
OLD_SECRET = "shpss_" + "b2" * 16
STRIPE_SECRET = "whsec_" + "c3" * 16
BRAND = "brand-ingress"
ORDER = (Path(__file__).parent / "payloads" / "shopify_orders_paid.json").read_bytes()


def shopify_headers(body: bytes, secret: str = SECRET, event_id: str = "evt-0",
                    prefix: str = "X-") -> dict[str, str]:
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return {f"{prefix}Shopify-Hmac-Sha256": signature.decode(),
            f"{prefix}Shopify-Shop-Domain": SHOP, f"{prefix}Shopify-Topic": "orders/paid",
            f"{prefix}Shopify-Event-Id": event_id, f"{prefix}Shopify-Webhook-Id": "wh-" + event_id,
            "Content-Type": "application/json"}


def stripe_event(event_id: str, kind: str = "payment_intent.succeeded",
                 brand: str | None = BRAND) -> bytes:
    metadata = {"atelier_brand_id": brand} if brand else {}
    return json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": {
        "id": "pi_1", "object": "payment_intent", "amount": 6990, "currency": "eur",
        "metadata": metadata}}}).encode()


def stripe_headers(body: bytes, secret: str = STRIPE_SECRET, at: int | None = None
                   ) -> dict[str, str]:
    signature = stripe.WebhookSignature.generate_signature_header(body.decode(), secret, at)
    return {"Stripe-Signature": signature, "Content-Type": "application/json"}


@pytest.fixture
def settings(settings_of):  # noqa: ANN001, ANN201
    return settings_of("ingress", stripe_webhook_secrets=["whsec_" + "d4" * 16, STRIPE_SECRET],
                       max_body_bytes=64 * 1024)


@pytest.fixture
async def client(settings) -> AsyncIterator[AsyncTestClient]:  # noqa: ANN001
    async with AsyncTestClient(app=create_app(settings)) as client:
        runtime = bootstrap(settings)
        try:
            async with runtime.uow(BRAND) as uow:
                await handlers.connect_shopify(uow, BRAND, ConnectShopify(
                    shop_domain=SHOP, secret=SECRET, previous_secret=OLD_SECRET))
                await uow.commit()
        finally:
            await runtime.db.dispose()
        yield client


def fresh() -> str:
    """An event id no other test used (the database lives as long as the session)."""
    return f"evt_{uuid.uuid4().hex}"


async def stored(database_url: str, *event_ids: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return await conn.fetch("SELECT source, external_id, topic, brand_id, payload "
                                "FROM ingress.webhook_events WHERE external_id = ANY($1) "
                                "ORDER BY received_at", list(event_ids))
    finally:
        await conn.close()


async def published(nats_url: str, namespace: str, *event_ids: str) -> list[dict]:
    messages = await stream_messages(nats_url, namespaced_stream(namespace, "EVT_INGRESS"))
    events = [json.loads(m.data or b"{}") for m in messages]
    return [e for e in events if e["data"]["event_id"] in event_ids]


async def test_a_signed_shopify_order_is_stored_raw_and_handed_on_once(
    client, database_url, nats_url, namespace
) -> None:
    event_id = fresh()
    for _ in range(3):  # Shopify retries: the same event id each time
        answer = await client.post("/v1/webhooks/shopify/orders/paid", content=ORDER,
                                   headers=shopify_headers(ORDER, event_id=event_id))
        assert answer.status_code == 200
    rows = await stored(database_url, event_id)
    assert [(r["source"], r["external_id"], r["topic"], r["brand_id"]) for r in rows] == [
        ("shopify", event_id, "orders/paid", BRAND)]
    assert rows[0]["payload"] == ORDER  # the bytes the signature was computed on
    events = await eventually(lambda: published(nats_url, namespace, event_id))
    assert len(events) == 1
    event = events[0]
    assert event["type"] == "webhook.received" and event["brand_id"] == BRAND
    assert event["data"]["payload"]["line_items"][0]["properties"][1] == {
        "name": "_atelier_snapshot", "value": "0193a5c6-7b1d-7d2e-9a3f-4c5d6e7f8a9b"}
    assert event["data"]["shop_domain"] == SHOP


async def test_shopify_headers_without_the_x_prefix_and_the_previous_secret_are_accepted(
    client, database_url
) -> None:
    ids = fresh(), fresh()
    plain = await client.post("/v1/webhooks/shopify/orders/paid", content=ORDER,
                              headers=shopify_headers(ORDER, event_id=ids[0], prefix=""))
    rotating = await client.post("/v1/webhooks/shopify/orders/paid", content=ORDER,
                                 headers=shopify_headers(ORDER, OLD_SECRET, ids[1]))
    assert (plain.status_code, rotating.status_code) == (200, 200)
    assert plain.json()["status"] == rotating.json()["status"] == "accepted"
    assert len(await stored(database_url, *ids)) == 2


@pytest.mark.parametrize("case", ["one byte changed", "wrong secret", "no signature",
                                  "unknown shop", "no shop"])
async def test_a_shopify_delivery_that_is_not_the_shops_is_401_and_nothing_is_stored(
    client, database_url, case: str
) -> None:
    event_id = fresh()
    body, headers = ORDER, shopify_headers(ORDER, event_id=event_id)
    if case == "one byte changed":
        body = ORDER.replace(b'"quantity": 2', b'"quantity": 3')
    elif case == "wrong secret":
        headers = shopify_headers(ORDER, "shpss_" + "e5" * 16, event_id)
    elif case == "no signature":
        del headers["X-Shopify-Hmac-Sha256"]
    elif case == "unknown shop":
        headers["X-Shopify-Shop-Domain"] = "someone-else.myshopify.com"
    else:
        del headers["X-Shopify-Shop-Domain"]
    answer = await client.post("/v1/webhooks/shopify/orders/paid", content=body, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["errors"][0]["code"] == "invalid_signature"
    assert await stored(database_url, event_id) == []


async def test_bad_shopify_bodies_and_topics_are_refused_and_nothing_is_stored(
    client, database_url
) -> None:
    ids = [fresh() for _ in range(4)]
    form = b"order=1"
    as_form = {**shopify_headers(form, event_id=ids[0]),
               "Content-Type": "application/x-www-form-urlencoded"}
    not_json = b"{not json"
    huge = b'{"pad": "' + b"x" * 70_000 + b'"}'
    answers = [
        await client.post("/v1/webhooks/shopify/orders/paid", content=form, headers=as_form),
        await client.post("/v1/webhooks/shopify/orders/paid", content=not_json,
                          headers=shopify_headers(not_json, event_id=ids[1])),
        await client.post("/v1/webhooks/shopify/orders/paid", content=huge,
                          headers=shopify_headers(huge, event_id=ids[2])),
        await client.post("/v1/webhooks/shopify/carts/update", content=ORDER,
                          headers=shopify_headers(ORDER, event_id=ids[3])),
    ]
    assert [a.status_code for a in answers] == [415, 400, 413, 404]
    assert await stored(database_url, *ids) == []


async def test_a_stripe_event_signed_by_stripes_sdk_is_stored_once(
    client, database_url, nats_url, namespace
) -> None:
    event_id = fresh()
    body = stripe_event(event_id)
    for _ in range(2):
        answer = await client.post("/v1/webhooks/stripe", content=body,
                                   headers=stripe_headers(body))
        assert answer.status_code == 200
    assert answer.json()["status"] == "duplicate"
    rows = await stored(database_url, event_id)
    assert [(r["source"], r["external_id"], r["topic"], r["brand_id"]) for r in rows] == [
        ("stripe", event_id, "payment_intent.succeeded", BRAND)]
    events = await eventually(lambda: published(nats_url, namespace, event_id))
    assert [e["data"]["event_id"] for e in events] == [event_id]


@pytest.mark.parametrize("case", ["one byte changed", "old timestamp", "wrong secret",
                                  "no header"])
async def test_a_stripe_delivery_that_is_not_stripes_is_401_and_nothing_is_stored(
    client, database_url, case: str
) -> None:
    event_id = fresh()
    body = stripe_event(event_id)
    headers = stripe_headers(body)
    if case == "one byte changed":
        body = body.replace(b"6990", b"6991")
    elif case == "old timestamp":
        headers = stripe_headers(body, at=int(time.time()) - 301)
    elif case == "wrong secret":
        headers = stripe_headers(body, "whsec_" + "f6" * 16)
    else:
        del headers["Stripe-Signature"]
    answer = await client.post("/v1/webhooks/stripe", content=body, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["errors"][0]["code"] == "invalid_signature"
    assert await stored(database_url, event_id) == []


async def test_stripe_events_atelier_does_not_handle_are_answered_and_dropped(
    client, database_url
) -> None:
    ids = fresh(), fresh()
    other = stripe_event(ids[0], "customer.created")
    foreign = stripe_event(ids[1], brand=None)
    for body in (other, foreign):
        answer = await client.post("/v1/webhooks/stripe", content=body,
                                   headers=stripe_headers(body))
        assert answer.status_code == 200 and answer.json()["status"] == "ignored"
    assert await stored(database_url, *ids) == []


async def test_an_operator_replays_a_stored_delivery(
    client, settings, nats_url, namespace
) -> None:
    event_id = fresh()
    answer = await client.post("/v1/webhooks/shopify/orders/paid", content=ORDER,
                               headers=shopify_headers(ORDER, event_id=event_id))
    delivery_id = answer.json()["delivery_id"]
    runtime = bootstrap(settings)
    try:
        again = await handlers.replay(runtime, delivery_id)
    finally:
        await runtime.db.dispose()
    assert again.replayed and again.event_id == event_id

    async def both() -> list[dict] | None:
        events = await published(nats_url, namespace, event_id)
        return events if len(events) == 2 else None

    events = await eventually(both)
    assert [e["data"]["replayed"] for e in events] == [False, True]
    assert events[0]["data"]["payload"] == events[1]["data"]["payload"]


async def test_deliveries_from_outside_the_allow_list_are_403(settings_of, database_url) -> None:
    settings = settings_of("ingress", shopify_networks=["192.0.2.0/24"],
                           stripe_networks=["192.0.2.0/24"],
                           stripe_webhook_secrets=[STRIPE_SECRET])
    ids = fresh(), fresh()
    body = stripe_event(ids[1])
    async with AsyncTestClient(app=create_app(settings)) as client:  # from "testclient"
        shopify = await client.post("/v1/webhooks/shopify/orders/paid", content=ORDER,
                                    headers=shopify_headers(ORDER, event_id=ids[0]))
        stripe_answer = await client.post("/v1/webhooks/stripe", content=body,
                                          headers=stripe_headers(body))
    assert (shopify.status_code, stripe_answer.status_code) == (403, 403)
    assert stripe_answer.json()["errors"][0]["code"] == "network_not_allowed"
    assert await stored(database_url, *ids) == []


async def test_customers_redact_blanks_the_stored_bodies_about_the_shopper(
    client, database_url
) -> None:
    orders = [dict(json.loads(ORDER), id=10_000 + n) for n in range(2)]
    others = dict(json.loads(ORDER), id=20_000, email="someone@else.example",
                  customer={"email": "someone@else.example"})
    ids = [fresh() for _ in range(3)]
    for event_id, order in zip(ids, [*orders, others], strict=True):
        body = json.dumps(order).encode()
        answer = await client.post("/v1/webhooks/shopify/orders/paid", content=body,
                                   headers=shopify_headers(body, event_id=event_id))
        assert answer.status_code == 200
    redact = json.dumps({"shop_domain": SHOP, "customer": {"id": 7012938457,
                         "email": "ada@example.com"}, "orders_to_redact": [10_000]}).encode()
    request_id = fresh()
    answer = await client.post("/v1/webhooks/shopify/customers/redact", content=redact,
                               headers=shopify_headers(redact, event_id=request_id))
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    rows = {r["external_id"]: r["payload"] for r in await stored(database_url, *ids,
                                                                 request_id)}
    assert rows[ids[0]] == rows[ids[1]] == b'{"redacted": true}'  # by order id, by email
    assert json.loads(rows[ids[2]])["id"] == 20_000  # another shopper's: kept
    assert json.loads(rows[request_id])["orders_to_redact"] == [10_000]  # the request stays


def refunded_charge(event_id: str, payment_intent: str) -> bytes:
    """A charge as Stripe sends it in charge.refunded: its PaymentIntent, no Atelier metadata."""
    return json.dumps({"id": event_id, "object": "event", "type": "charge.refunded",
                       "data": {"object": {"id": "ch_1", "object": "charge", "amount": 6990,
                                           "amount_refunded": 6990, "refunded": True,
                                           "currency": "eur", "payment_intent": payment_intent,
                                           "metadata": {}}}}).encode()


async def test_a_refunded_charge_without_metadata_reaches_the_brand_of_its_payment_intent(
    client, settings, client_bus, database_url, nats_url, namespace
) -> None:
    """Commerce says whose PaymentIntent it made (payment.intent_created); a charge of it
    refunded later carries no Atelier metadata and is still the brand's. One of a
    PaymentIntent Atelier never made is answered and dropped."""
    intent, stranger = f"pi_{uuid.uuid4().hex}", f"pi_{uuid.uuid4().hex}"
    runtime = bootstrap(settings)
    async with running(runtime):
        created = envelope(PAYMENT_INTENT_CREATED, PaymentIntentCreated(
            order_id="order-1", payment_intent_id=intent), brand_id=BRAND)
        await client_bus.publish_raw(PAYMENT_INTENT_CREATED.subject,
                                     created.model_dump_json().encode(),
                                     {"Nats-Msg-Id": created.id})
        await eventually(lambda: _intent_known(database_url, intent))
    ours, theirs = fresh(), fresh()
    for event_id, payment_intent in ((ours, intent), (theirs, stranger)):
        body = refunded_charge(event_id, payment_intent)
        answer = await client.post("/v1/webhooks/stripe", content=body,
                                   headers=stripe_headers(body))
        assert answer.status_code == 200
    [row] = await stored(database_url, ours, theirs)
    assert (row["external_id"], row["topic"], row["brand_id"]) == (
        ours, "charge.refunded", BRAND)
    [event] = await eventually(lambda: published(nats_url, namespace, ours))
    assert event["brand_id"] == BRAND
    assert event["data"]["payload"]["data"]["object"]["payment_intent"] == intent


async def _intent_known(database_url: str, intent: str) -> bool:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return bool(await conn.fetchval(
            "SELECT count(*) FROM ingress.stripe_payment_intents WHERE payment_intent_id=$1",
            intent))
    finally:
        await conn.close()
