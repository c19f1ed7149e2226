"""A Stripe payment end to end, every service its own process and Stripe's API a local
Stripe-compatible server: the brand prices its product, the shopper's widget makes a snapshot
and a payment intent (priced by Atelier), Stripe's signed payment_intent.succeeded makes the
order paid, and its production ZIP is downloadable through the order API; refunds and declined
payments reach the order too."""

import io
import json
import uuid
import zipfile
from typing import Any

import httpx
import pytest
import stripe

from atelier.devstack.demo import Demo
from atelier.e2e.system import STRIPE_WEBHOOK_SECRET, System
from atelier.kit.testing.plugin import eventually

pytestmark = pytest.mark.e2e


def admin(system: System, demo: Demo) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=system.gateway_url, timeout=10.0,
                             headers={"Authorization": f"Bearer {demo.secret_key}"})


async def priced_snapshot(system: System, demo: Demo, name: str) -> str:
    """The demo product at 24.50 € and 5.00 € for the engraved name; the shopper's design."""
    async with admin(system, demo) as client:
        price = {"currency": "EUR", "amount_minor": 2450, "zone_surcharges": {"name": 500}}
        put = await client.put(f"/v1/admin/products/{demo.product_id}/price", json=price)
        assert put.status_code == 200, put.text
        got = await client.get(f"/v1/admin/products/{demo.product_id}/price")
        assert got.status_code == 200 and got.json() == put.json()
        assert {k: got.json()[k] for k in price} == price
    async with system.widget(demo) as widget:
        created = await widget.post("/v1/snapshots", json={
            "product_id": demo.product_id, "values": {"name": name}})
        assert created.status_code == 201, created.text
        return str(created.json()["id"])


async def pay(system: System, demo: Demo, body: dict[str, Any], key: str) -> httpx.Response:
    async with system.widget(demo) as widget:
        return await widget.post("/v1/payments/intents", json=body,
                                 headers={"Idempotency-Key": key})


async def deliver(system: System, event: dict[str, Any]) -> None:
    """Stripe's delivery of ``event``, signed by the SDK's own helper."""
    body = json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(body, STRIPE_WEBHOOK_SECRET)
    async with httpx.AsyncClient(base_url=system.stack.url("ingress"), timeout=10.0) as client:
        answer = await client.post("/v1/webhooks/stripe", content=body.encode(), headers={
            "Stripe-Signature": signature, "Content-Type": "application/json"})
    assert answer.status_code == 200 and answer.json()["status"] == "accepted", answer.text


async def order_when(system: System, demo: Demo, order_id: str, event: str) -> dict[str, Any]:
    async with admin(system, demo) as client:

        async def reached() -> dict[str, Any] | None:
            got = await client.get(f"/v1/orders/{order_id}")
            assert got.status_code == 200, got.text
            order: dict[str, Any] = got.json()
            return order if event in [e["event"] for e in order["timeline"]] else None

        found: dict[str, Any] = await eventually(reached, timeout=60)
        return found


async def test_a_stripe_payment_sends_the_shoppers_snapshot_to_production(system: System
                                                                          ) -> None:
    demo = await system.new_brand()
    snapshot_id = await priced_snapshot(system, demo, "Ada")
    body = {"items": [{"snapshot_id": snapshot_id, "quantity": 2}], "email": "ada@example.com"}
    key = str(uuid.uuid4())
    made = await pay(system, demo, body, key)
    assert made.status_code == 201, made.text
    intent = made.json()
    assert (intent["amount_minor"], intent["currency"], intent["status"]) == (
        (2450 + 500) * 2, "EUR", "pending")
    again = await pay(system, demo, body, key)  # the widget's retry: the same intent
    assert again.status_code == 201 and again.json() == intent
    assert again.headers.get("Idempotent-Replayed") == "true"
    asked = system.stripe.intents[intent["payment_intent_id"]]
    assert (asked["amount"], asked["currency"], asked["client_secret"]) == (
        5900, "eur", intent["client_secret"])
    assert asked["metadata"] == {"atelier_brand_id": demo.brand_id,
                                 "atelier_order_id": intent["order_id"]}
    pending = await order_when(system, demo, intent["order_id"], "payment_intent_created")
    assert (pending["status"], pending["source"], pending["external_id"]) == (
        "pending", "stripe", intent["payment_intent_id"])
    await deliver(system, system.stripe.succeed(intent["payment_intent_id"]))
    done = await order_when(system, demo, intent["order_id"], "ready")
    assert [e["event"] for e in done["timeline"]] == [
        "payment_intent_created", "paid", "in_production", "item_ready", "ready"]
    [item] = done["items"]
    assert (item["snapshot_id"], item["quantity"], item["total_minor"], item["status"]) == (
        snapshot_id, 2, 5900, "ready")
    async with system.widget(demo) as widget:
        snapshot = (await widget.get(f"/v1/snapshots/{snapshot_id}")).json()
    assert snapshot["status"] == "locked"
    async with admin(system, demo) as client:
        bundles = await client.get(f"/v1/manufacturing/bundles/{intent['order_id']}")
        assert bundles.status_code == 200, bundles.text
        [work_order] = bundles.json()["work_orders"]
    async with httpx.AsyncClient(base_url=system.gateway_url, timeout=10.0) as anyone:
        zipped = await anyone.get(work_order["download_url"])
    archive = zipfile.ZipFile(io.BytesIO(zipped.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert (manifest["snapshot_id"], manifest["order_id"], manifest["item_id"]) == (
        snapshot_id, intent["order_id"], item["id"])
    # refunded at Stripe: the charge names its PaymentIntent only, no metadata
    refund = system.stripe.refund(intent["payment_intent_id"])
    assert refund["data"]["object"]["metadata"] == {}
    await deliver(system, refund)
    refunded = await order_when(system, demo, intent["order_id"], "refunded")
    assert refunded["status"] == "refunded"


async def test_a_declined_payment_leaves_the_order_pending(system: System) -> None:
    demo = await system.new_brand()
    snapshot_id = await priced_snapshot(system, demo, "Bo")
    made = await pay(system, demo, {"items": [{"snapshot_id": snapshot_id}]}, str(uuid.uuid4()))
    assert made.status_code == 201, made.text
    intent = made.json()
    assert intent["amount_minor"] == 2950
    await deliver(system, system.stripe.decline(intent["payment_intent_id"]))
    order = await order_when(system, demo, intent["order_id"], "payment_failed")
    assert order["status"] == "pending" and order["items"][0]["status"] == "pending"
    assert "declined" in order["timeline"][-1]["detail"]


async def test_the_client_cannot_name_the_amount_nor_pay_for_another_brands_design(
    system: System
) -> None:
    demo, other = await system.new_brand(), await system.new_brand()
    snapshot_id = await priced_snapshot(system, demo, "Cy")
    theirs = await priced_snapshot(system, other, "Di")
    created = system.stripe.created
    priced = await pay(system, demo, {"items": [{"snapshot_id": snapshot_id}], "amount": 1},
                       str(uuid.uuid4()))
    assert priced.status_code in (400, 422), priced.text
    assert any(e["field"] == "amount" for e in priced.json()["errors"])
    foreign = await pay(system, demo, {"items": [{"snapshot_id": theirs}]}, str(uuid.uuid4()))
    assert foreign.status_code == 404, foreign.text
    assert foreign.json()["errors"][0]["field"] == "items[0].snapshot_id"
    assert system.stripe.created == created  # Stripe was never asked


async def test_stripe_failing_is_a_503_with_retry_after_and_the_retry_pays(system: System
                                                                           ) -> None:
    demo = await system.new_brand()
    snapshot_id = await priced_snapshot(system, demo, "Ed")
    body, key = {"items": [{"snapshot_id": snapshot_id}]}, str(uuid.uuid4())
    system.stripe.fail_next(500, times=2)  # the SDK's request and its one retry
    failed = await pay(system, demo, body, key)
    assert failed.status_code == 503, failed.text
    assert failed.headers["Retry-After"] == "5"
    assert failed.headers["content-type"].startswith("application/problem+json")
    assert failed.json()["errors"][0]["code"] == "payment_provider_failed"
    retried = await pay(system, demo, body, key)  # the same Idempotency-Key, Stripe back
    assert retried.status_code == 201, retried.text
    async with admin(system, demo) as client:
        listed = (await client.get("/v1/orders")).json()["orders"]
    assert [o["id"] for o in listed] == [retried.json()["order_id"]]  # no half-written order
