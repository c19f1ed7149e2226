"""A Shopify order end to end, every service its own process: the brand connects its shop and
maps its product, the shopper's widget makes a snapshot, Shopify's signed orders/paid carries
it in the hidden line property, and the order appears through the gateway with the item on its
way to production and the snapshot locked; a snapshot of another brand holds the item."""

import asyncio
import base64
import copy
import hashlib
import hmac
import io
import json
import signal
import uuid
import zipfile
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from atelier.devstack.demo import Demo
from atelier.e2e.system import System
from atelier.kit.broker import namespaced_stream
from atelier.kit.testing.plugin import eventually

pytestmark = pytest.mark.e2e

ORDER = json.loads((Path(__file__).parents[2] / "services" / "ingress" / "tests" / "payloads"
                    / "shopify_orders_paid.json").read_text())
SHOP_PRODUCT = "8123456789012"  # the pen's line in the payload


def admin(system: System, demo: Demo) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=system.gateway_url, timeout=10.0,
                             headers={"Authorization": f"Bearer {demo.secret_key}"})


async def connect(system: System, demo: Demo) -> tuple[str, str]:
    shop, secret = f"shop-{uuid.uuid4().hex[:10]}.myshopify.com", "shpss_" + uuid.uuid4().hex
    async with admin(system, demo) as client:
        connected = await client.put("/v1/admin/integrations/shopify",
                                     json={"shop_domain": shop, "secret": secret})
        assert connected.status_code == 200, connected.text
        assert "secret" not in connected.text
        mapped = await client.put("/v1/admin/integrations/shopify/products", json={
            "external_product_id": SHOP_PRODUCT, "product_id": demo.product_id})
        assert mapped.status_code == 200, mapped.text
    return shop, secret


async def snapshot_of(system: System, demo: Demo, name: str) -> str:
    async with system.widget(demo) as widget:
        created = await widget.post("/v1/snapshots", json={
            "product_id": demo.product_id, "values": {"name": name}})
        assert created.status_code == 201, created.text
        return created.json()["id"]


def paid_order(snapshot_id: str, second: str | None = None) -> dict[str, Any]:
    """Shopify's orders/paid under a new order id, the pen's line carrying ``snapshot_id`` and,
    with ``second``, the other line personalized too."""
    payload = copy.deepcopy(ORDER)
    payload["id"] = int(uuid.uuid4().int % 10**13)
    payload["line_items"][0]["properties"][1]["value"] = snapshot_id
    if second is not None:
        payload["line_items"][1]["properties"] = [{"name": "_atelier_snapshot", "value": second}]
    return payload


async def deliver(system: System, shop: str, secret: str, payload: dict[str, Any],
                  event_id: str | None = None) -> str:
    """One signed delivery of ``payload``; ingress's answer status."""
    body = json.dumps(payload).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    async with httpx.AsyncClient(base_url=system.stack.url("ingress"), timeout=10.0) as client:
        answer = await client.post("/v1/webhooks/shopify/orders/paid", content=body, headers={
            "X-Shopify-Hmac-Sha256": signature.decode(), "X-Shopify-Shop-Domain": shop,
            "X-Shopify-Topic": "orders/paid", "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
            "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    status: str = answer.json()["status"]
    return status


async def order_paid(system: System, shop: str, secret: str, snapshot_id: str) -> dict[str, Any]:
    payload = paid_order(snapshot_id)
    assert await deliver(system, shop, secret, payload) == "accepted"
    return payload


async def the_order(system: System, demo: Demo, external_id: int) -> dict[str, Any]:
    async with admin(system, demo) as client:

        async def found() -> dict[str, Any] | None:
            listed = await client.get("/v1/orders")
            assert listed.status_code == 200, listed.text
            return next((o for o in listed.json()["orders"]
                         if o["external_id"] == str(external_id)), None)

        order = await eventually(found, timeout=30)
        again = await client.get(f"/v1/orders/{order['id']}")
        assert again.status_code == 200 and again.json() == order
        return order


async def ready(system: System, demo: Demo, order_id: str) -> dict[str, Any]:
    """The order once it is ready (every item's bundle made)."""
    async with admin(system, demo) as client:

        async def is_ready() -> dict[str, Any] | None:
            now = (await client.get(f"/v1/orders/{order_id}")).json()
            return now if now["status"] == "ready" else None

        return await eventually(is_ready, timeout=60)


async def test_a_paid_shopify_order_sends_the_shoppers_snapshot_to_production(
    system: System,
) -> None:
    demo = await system.new_brand()
    shop, secret = await connect(system, demo)
    snapshot_id = await snapshot_of(system, demo, "Ada")
    payload = await order_paid(system, shop, secret, snapshot_id)
    order = await the_order(system, demo, payload["id"])
    assert order["total_minor"] == 6990
    pen = next(i for i in order["items"] if i["external_product_id"] == SHOP_PRODUCT)
    assert (pen["snapshot_id"], pen["product_id"]) == (snapshot_id, demo.product_id)
    async with system.widget(demo) as widget:
        snapshot = (await widget.get(f"/v1/snapshots/{snapshot_id}")).json()
    assert snapshot["status"] == "locked"
    done = await ready(system, demo, order["id"])
    async with admin(system, demo) as client:  # the bundle made, the order ready
        assert [e["event"] for e in done["timeline"]] == [
            "paid", "in_production", "item_ready", "ready"]
        bundles = await client.get(f"/v1/manufacturing/bundles/{order['id']}")
        assert bundles.status_code == 200, bundles.text
        [work_order] = bundles.json()["work_orders"]
        assert (work_order["item_id"], work_order["status"]) == (pen["id"], "ready")
    async with httpx.AsyncClient(base_url=system.gateway_url, timeout=10.0) as anyone:
        zipped = await anyone.get(work_order["download_url"])
    archive = zipfile.ZipFile(io.BytesIO(zipped.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert (manifest["snapshot_id"], manifest["order_id"], manifest["item_id"]) == (
        snapshot_id, order["id"], pen["id"])


async def test_another_brands_snapshot_in_the_cart_holds_the_item(system: System) -> None:
    demo, other = await system.new_brand(), await system.new_brand()
    shop, secret = await connect(system, demo)
    foreign = await snapshot_of(system, other, "Not yours")
    payload = await order_paid(system, shop, secret, foreign)
    order = await the_order(system, demo, payload["id"])
    pen = next(i for i in order["items"] if i["external_product_id"] == SHOP_PRODUCT)
    assert pen["status"] == "held" and foreign in pen["hold_reason"]
    async with admin(system, demo) as client:  # a person cannot produce it either
        refused = await client.post(f"/v1/orders/{order['id']}/items/{pen['id']}/release")
        assert refused.status_code == 422, refused.text
    async with system.widget(other) as widget:
        snapshot = (await widget.get(f"/v1/snapshots/{foreign}")).json()
    assert snapshot["status"] == "created"  # never locked by someone else's order


async def test_a_shop_connected_to_another_brand_cannot_be_taken(system: System) -> None:
    demo, other = await system.new_brand(), await system.new_brand()
    shop, _ = await connect(system, demo)
    async with admin(system, other) as client:
        taken = await client.put("/v1/admin/integrations/shopify", json={
            "shop_domain": shop, "secret": "shpss_" + uuid.uuid4().hex})
    assert taken.status_code == 409, taken.text


async def test_one_order_delivered_again_and_again_is_one_order_with_one_bundle_per_item(
    system: System,
) -> None:
    """Shopify retries a delivery (same event id) and sends one order through several topics and
    subscriptions (other event ids): three deliveries at once, then more while commerce is down
    and after it restarts, give one order, one timeline, one bundle per item."""
    demo = await system.new_brand()
    shop, secret = await connect(system, demo)
    async with admin(system, demo) as client:
        mapped = await client.put("/v1/admin/integrations/shopify/products", json={
            "external_product_id": str(ORDER["line_items"][1]["product_id"]),
            "product_id": demo.product_id})
        assert mapped.status_code == 200, mapped.text
    pen, other = await snapshot_of(system, demo, "Ada"), await snapshot_of(system, demo, "Grace")
    payload = paid_order(pen, other)
    retried = str(uuid.uuid4())
    answers = await asyncio.gather(deliver(system, shop, secret, payload, retried),
                                   deliver(system, shop, secret, payload, retried),
                                   deliver(system, shop, secret, payload))
    assert sorted(answers) == ["accepted", "accepted", "duplicate"]
    order = await the_order(system, demo, payload["id"])
    first = await ready(system, demo, order["id"])

    nc = await nats.connect(system.stack.base_env["ATELIER_NATS_URL"])
    js, stream = nc.jetstream(), namespaced_stream(system.namespace, "EVT_INGRESS")
    try:
        before = (await js.stream_info(stream)).state.last_seq
        await system.stack.kill("commerce", 0, signal.SIGKILL)
        assert await deliver(system, shop, secret, payload) == "accepted"  # kept by ingress
        await system.stack.start_service("commerce", 0)
        assert await deliver(system, shop, secret, payload) == "accepted"
        assert await deliver(system, shop, secret, payload, retried) == "duplicate"

        async def taken_in() -> bool:  # both new deliveries published, and commerce took them
            info = await js.consumer_info(stream, "commerce-webhooks")
            return (info.delivered.stream_seq >= before + 2 and not info.num_pending
                    and not info.num_ack_pending)

        await eventually(taken_in, timeout=30)
    finally:
        await nc.close()
    async with admin(system, demo) as client:
        listed = (await client.get("/v1/orders")).json()["orders"]
        assert [o["id"] for o in listed if o["external_id"] == str(payload["id"])] == [order["id"]]
        last = (await client.get(f"/v1/orders/{order['id']}")).json()
        assert last["timeline"] == first["timeline"] and last["status"] == "ready"
        bundles = (await client.get(f"/v1/manufacturing/bundles/{order['id']}")).json()
    assert sorted(w["item_id"] for w in bundles["work_orders"]) == sorted(
        i["id"] for i in first["items"] if i["snapshot_id"] in (pen, other))
    assert len(bundles["work_orders"]) == 2
