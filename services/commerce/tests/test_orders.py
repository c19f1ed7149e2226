"""Orders from the shops' webhooks on real Postgres and NATS: one order per provider order
whatever the deliveries, personalized lines checked against their snapshots (a fake snapshot
service answers as the real one does), held lines never produced, the order's life recorded."""

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from pydantic import BaseModel

from atelier.commerce import domain, handlers
from atelier.commerce.bootstrap import bootstrap
from atelier.contracts import Envelope, new_id
from atelier.contracts.catalog import (
    BUNDLE_FAILED,
    BUNDLE_READY,
    MARK_SHIPPED,
    ORDER_PAID,
    ORDER_SHIPPED,
    PERSONAL_DATA_ERASED,
    WEBHOOK_RECEIVED,
    Message,
)
from atelier.contracts.commerce import (
    ListOrders,
    MapProduct,
    MarkShipped,
    OrderStatus,
    ReleaseItem,
)
from atelier.contracts.ingress import WebhookReceived, WebhookSource
from atelier.contracts.manufacturing import BundleFailed, BundleReady
from atelier.contracts.snapshot import HeldWord
from atelier.kit.broker import Bus
from atelier.kit.db import asyncpg_dsn
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.runtime import Runtime
from atelier.kit.testing.plugin import eventually, running, unique

from .conftest import PRODUCT

ORDER: dict[str, Any] = json.loads((Path(__file__).parent / "shopify_orders_paid.json").read_text())
PEN, BOX = "8123456789012", "8123456789099"  # the shop's product ids in the payload


def order_payload(snapshot: str | None, order_id: int | None = None, **changes: Any
                  ) -> dict[str, Any]:
    payload = copy.deepcopy(ORDER)
    payload["id"] = order_id or int(datetime.now(UTC).timestamp() * 1e6)
    properties = payload["line_items"][0]["properties"]
    if snapshot is None:
        properties.pop()
    else:
        properties[1]["value"] = snapshot
    payload.update(changes)
    return payload


def delivery(brand: str, payload: dict[str, Any], topic: str = "orders/paid"
             ) -> Envelope[WebhookReceived]:
    data = WebhookReceived(delivery_id=new_id(), source=WebhookSource.SHOPIFY, topic=topic,
                           event_id=unique("evt-"), shop_domain="demo.myshopify.com",
                           payload=payload)
    return Envelope[WebhookReceived](type=WEBHOOK_RECEIVED.type, producer="ingress",
                                     brand_id=brand, data=data)


async def publish(bus: Bus, envelope: Envelope) -> None:
    await bus.publish_raw(WEBHOOK_RECEIVED.subject, envelope.model_dump_json().encode(),
                          {"Nats-Msg-Id": envelope.id})


@pytest.fixture
async def commerce(settings_of, snapshots, brand) -> AsyncIterator[Runtime]:  # noqa: ANN001
    runtime = bootstrap(settings_of("commerce"), snapshots)
    async with running(runtime):
        async with runtime.uow(brand) as uow:
            await handlers.map_product(uow, brand, MapProduct(external_product_id=PEN,
                                                              product_id=PRODUCT))
            await uow.commit()
        yield runtime


async def orders_of(runtime: Runtime, brand: str) -> list:
    return (await handlers.list_orders(runtime.uow(brand), ListOrders())).orders


async def paid_events(database_url: str, brand: str, message: Message = ORDER_PAID
                      ) -> list[dict]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        rows = await conn.fetch("SELECT payload FROM commerce.outbox WHERE subject LIKE $1",
                                f"%{message.subject}")
    finally:
        await conn.close()
    events = [json.loads(row["payload"]) for row in rows]
    return [e for e in events if e["brand_id"] == brand]


async def test_a_paid_order_with_a_good_snapshot_goes_to_production_once(
    commerce, client_bus, snapshots, brand, database_url, settings_of
) -> None:
    snapshot = snapshots.add(brand)
    payload = order_payload(snapshot)
    # the same order by three deliveries (topics, subscriptions), two at once, to two replicas
    second = bootstrap(settings_of("commerce"), snapshots)
    async with running(second):
        await asyncio.gather(*(publish(client_bus, delivery(brand, payload)) for _ in range(2)))
        await eventually(lambda: orders_of(commerce, brand))
    async with running(bootstrap(settings_of("commerce"), snapshots)):  # after a restart
        await publish(client_bus, delivery(brand, payload))
        await asyncio.sleep(1)
    [order] = await orders_of(commerce, brand)
    assert order.status == "in_production" and order.name == "#1042"
    assert order.currency == "EUR"
    assert order.total_minor == 6990
    pen, box = sorted(order.items, key=lambda i: i.line_id)
    assert (pen.status, pen.snapshot_id, pen.product_id) == ("queued", snapshot, PRODUCT)
    assert (pen.quantity, pen.unit_price_minor, pen.total_minor) == (2, 2400, 4800)
    assert pen.properties["Name"] == "Ada ❤ Charles"
    assert box.status == "plain" and box.snapshot_id is None
    assert snapshots.locked == [(brand, snapshot, f"order:{order.id}")]
    [event] = await eventually(lambda: paid_events(database_url, brand))
    assert [i["snapshot_id"] for i in event["data"]["items"]] == [snapshot]
    assert [e.event for e in order.timeline] == ["paid", "in_production"]


@pytest.mark.parametrize("case", ["another brand's", "unknown", "another product's", "none",
                                  "not an id"])
async def test_a_tampered_snapshot_holds_the_item_and_nothing_is_produced(
    commerce, client_bus, snapshots, brand, database_url, case: str
) -> None:
    snapshot = {"another brand's": lambda: snapshots.add("brand-other"),
                "unknown": new_id,
                "another product's": lambda: snapshots.add(brand, "prod-mug"),
                "none": lambda: None,
                "not an id": lambda: "../../etc/passwd"}[case]()
    await publish(client_bus, delivery(brand, order_payload(snapshot)))
    [order] = await eventually(lambda: orders_of(commerce, brand))
    pen = next(i for i in order.items if i.external_product_id == PEN)
    assert pen.status == "held" and pen.hold_reason
    assert snapshots.locked == []
    [told] = await paid_events(database_url, brand)  # the shopper's confirmation, nothing made
    assert told["data"]["items"] == []
    assert [e.event for e in order.timeline] == ["paid", "item_held"]


async def test_an_order_of_plain_products_only_is_kept_and_not_told(
    commerce, client_bus, brand, database_url
) -> None:
    """No confirmation from Atelier for an order it has nothing to make: the shop sends its
    own, and a second one would be noise (and a cost on every order of the shop)."""
    payload = order_payload(None)
    payload["line_items"] = [line for line in payload["line_items"]
                             if str(line["product_id"]) == BOX]
    await publish(client_bus, delivery(brand, payload))
    [order] = await eventually(lambda: orders_of(commerce, brand))
    assert [i.status for i in order.items] == ["plain"] and order.status == "paid"
    assert await paid_events(database_url, brand) == []
    assert [e.event for e in order.timeline] == ["paid"]


async def test_words_for_review_hold_the_item_until_a_person_releases_it(
    commerce, client_bus, snapshots, brand, database_url
) -> None:
    word = HeldWord(zone="name", entry="dick", source="en", position=0, matched="Dick")
    snapshot = snapshots.add(brand, review=[word])
    await publish(client_bus, delivery(brand, order_payload(snapshot)))
    [order] = await eventually(lambda: orders_of(commerce, brand))
    pen = next(i for i in order.items if i.external_product_id == PEN)
    assert pen.status == "held" and "'Dick' in name (dick, en)" in (pen.hold_reason or "")
    assert snapshots.locked == []
    assert [e["data"]["items"] for e in await paid_events(database_url, brand)] == [[]]
    async with commerce.uow(brand) as uow:
        order = await handlers.release_item(uow, snapshots, brand, ReleaseItem(
            order_id=order.id, item_id=pen.id, by="ops@brand"))
        await uow.commit()
    assert next(i for i in order.items if i.id == pen.id).status == "queued"
    assert snapshots.locked == [(brand, snapshot, f"order:{order.id}")]


async def test_a_held_item_released_by_a_person_goes_to_production(
    commerce, client_bus, snapshots, brand, database_url
) -> None:
    mug = snapshots.add(brand, "prod-mug")  # the shopper's design, on the wrong product line
    await publish(client_bus, delivery(brand, order_payload(mug)))
    [order] = await eventually(lambda: orders_of(commerce, brand))
    pen, box = sorted(order.items, key=lambda i: i.line_id)
    assert pen.status == "held"
    release = ReleaseItem(order_id=order.id, item_id=pen.id, by="ops@brand")
    async with commerce.uow(brand) as uow:
        order = await handlers.release_item(uow, snapshots, brand, release)
        await uow.commit()
    pen = next(i for i in order.items if i.id == pen.id)
    assert pen.status == "queued" and pen.hold_reason is None
    assert snapshots.locked == [(brand, mug, f"order:{order.id}")]
    assert [e.event for e in order.timeline] == ["paid", "item_held", "item_released"]
    for item_id in (pen.id, box.id):  # released already; a plain line has nothing to release
        async with commerce.uow(brand) as uow:
            with pytest.raises(Invalid):
                await handlers.release_item(uow, snapshots, brand, ReleaseItem(
                    order_id=order.id, item_id=item_id, by="ops@brand"))


async def test_an_item_whose_snapshot_is_not_the_brands_cannot_be_released(
    commerce, client_bus, snapshots, brand
) -> None:
    await publish(client_bus, delivery(brand, order_payload(snapshots.add("brand-other"))))
    [order] = await eventually(lambda: orders_of(commerce, brand))
    pen = next(i for i in order.items if i.external_product_id == PEN)
    async with commerce.uow(brand) as uow:
        with pytest.raises(Invalid):
            await handlers.release_item(uow, snapshots, brand, ReleaseItem(
                order_id=order.id, item_id=pen.id, by="ops@brand"))
    assert snapshots.locked == []


async def test_the_orders_life_is_recorded_and_illegal_moves_refused(
    commerce, client_bus, snapshots, brand, database_url
) -> None:
    payload = order_payload(snapshots.add(brand))
    await publish(client_bus, delivery(brand, payload))
    await eventually(lambda: orders_of(commerce, brand))
    shipped = {"order_id": payload["id"], "tracking_company": "La Poste",
               "tracking_number": "6A123"}
    await publish(client_bus, delivery(brand, shipped, "fulfillments/create"))

    async def moved() -> Any:
        [order] = await orders_of(commerce, brand)
        return order if order.status == "shipped" else None

    await eventually(moved)
    await publish(client_bus, delivery(brand, {"id": payload["id"], "cancel_reason": "customer"},
                                       "orders/cancelled"))

    async def recorded() -> Any:
        [order] = await orders_of(commerce, brand)
        return order if len(order.timeline) == 4 else None

    order = await eventually(recorded)
    assert order.status == "shipped"  # a shipped order is not cancelled
    assert (order.email, order.locale) == ("ada@example.com", "fr-FR")  # for its emails
    [told] = await paid_events(database_url, brand, ORDER_SHIPPED)  # the shipping email's event
    assert told["data"] == {"order_id": order.id, "order_name": "#1042",
                            "tracking_company": "La Poste", "tracking_number": "6A123",
                            "tracking_url": None}
    assert "ada@example.com" not in json.dumps(told)  # no personal data on the bus
    assert [(e.event, e.detail) for e in order.timeline] == [
        ("paid", "#1042 via Shopify"), ("in_production", "1 item(s) sent to production"),
        ("shipped", "La Poste 6A123"),
        ("cancelled", "customer (the order stays shipped)")]


async def test_an_event_for_an_order_not_received_yet_is_not_lost(
    commerce, client_bus, snapshots, brand
) -> None:
    payload = order_payload(snapshots.add(brand))
    await publish(client_bus, delivery(brand, {"order_id": payload["id"],
                                               "tracking_number": "X1"}, "fulfillments/create"))
    await asyncio.sleep(0.5)
    await publish(client_bus, delivery(brand, payload))

    async def shipped() -> Any:
        orders = await orders_of(commerce, brand)
        return orders and orders[0].status == "shipped"

    await eventually(shipped, timeout=30)


async def test_customers_redact_erases_the_email_and_records_it(
    commerce, client_bus, snapshots, brand, database_url
) -> None:
    payload = order_payload(snapshots.add(brand))
    await publish(client_bus, delivery(brand, payload))
    await eventually(lambda: orders_of(commerce, brand))
    await publish(client_bus, delivery(brand, {"customer": {"email": "ada@example.com"},
                                               "orders_to_redact": [payload["id"]]},
                                       "customers/redact"))

    async def erased() -> Any:
        [order] = await orders_of(commerce, brand)
        return order.timeline[-1].event == "personal_data_erased"

    await eventually(erased)
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        emails = await conn.fetch("SELECT email FROM commerce.orders WHERE brand_id = $1", brand)
    finally:
        await conn.close()
    assert [row["email"] for row in emails] == [None]
    # the services holding more of the shopper's data (the emails sent) are told, by ids only
    [order] = await orders_of(commerce, brand)
    [told] = await paid_events(database_url, brand, PERSONAL_DATA_ERASED)
    assert told["data"] == {"order_ids": [order.id], "every_order": False}
    assert "ada@example.com" not in json.dumps(told)
    await publish(client_bus, delivery(brand, {"shop_domain": "demo.myshopify.com"},
                                       "shop/redact"))
    await eventually(lambda: _told_twice(database_url, brand))
    assert [e["data"] for e in await paid_events(database_url, brand, PERSONAL_DATA_ERASED)] \
        == [{"order_ids": [order.id], "every_order": False},
            {"order_ids": [], "every_order": True}]


async def _told_twice(database_url: str, brand: str) -> bool:
    return len(await paid_events(database_url, brand, PERSONAL_DATA_ERASED)) == 2


def bundle_event(brand: str, kind: Message, data: BaseModel) -> Envelope:
    return Envelope[type(data)](  # type: ignore[misc,operator]
        type=kind.type, producer="manufacturing", brand_id=brand, data=data)


async def test_the_order_is_ready_once_its_items_bundles_are_and_a_failure_is_recorded(
    commerce, client_bus, snapshots, brand
) -> None:
    payload = order_payload(snapshots.add(brand))
    await publish(client_bus, delivery(brand, payload))
    [order] = await eventually(lambda: orders_of(commerce, brand))
    pen = next(i for i in order.items if i.external_product_id == PEN)
    failed = BundleFailed(work_order_id=new_id(), snapshot_id=pen.snapshot_id or "",
                          reason="a font is not the pinned one", order_id=order.id,
                          item_id=pen.id)
    ready = BundleReady(work_order_id=new_id(), snapshot_id=pen.snapshot_id or "",
                        spec_hash="0" * 64, object_key="bundles/x.zip", bundle_name="1042.zip",
                        sha256="0" * 64, size=1, order_id=order.id, item_id=pen.id)
    for message, data in ((BUNDLE_FAILED, failed), (BUNDLE_READY, ready)):
        event = bundle_event(brand, message, data)
        await client_bus.publish_raw(message.subject, event.model_dump_json().encode(),
                                     {"Nats-Msg-Id": event.id})

        async def moved(expected: str = "failed" if message is BUNDLE_FAILED else "ready") -> Any:
            [now] = await orders_of(commerce, brand)
            item = next(i for i in now.items if i.id == pen.id)
            return now if item.status == expected else None

        order = await eventually(moved)
    assert order.status == "ready"
    assert [e.event for e in order.timeline] == [
        "paid", "in_production", "production_failed", "item_ready", "ready"]
    assert "a font is not the pinned one" in (order.timeline[2].detail or "")


async def test_the_brands_orders_are_listed_newest_first_a_page_at_a_time(
    commerce, client_bus, snapshots, brand
) -> None:
    for n in range(3):
        await publish(client_bus, delivery(brand, order_payload(None, name=f"#{n}")))
        await asyncio.sleep(0.05)  # one after the other

    async def three() -> Any:
        listed = await orders_of(commerce, brand)
        return listed if len(listed) == 3 else None

    await eventually(three)
    names, before = [], None
    while True:
        page = await handlers.list_orders(commerce.uow(brand), ListOrders(before=before, limit=1))
        names += [order.name for order in page.orders]
        if page.next_before is None or not page.orders:
            break
        before = page.next_before
    assert names == ["#2", "#1", "#0"]
    assert (await handlers.list_orders(commerce.uow(brand), ListOrders(
        status=OrderStatus.SHIPPED))).orders == []


async def test_a_brand_marks_an_order_shipped_once_and_the_shopper_is_told(
    commerce, client_bus, snapshots, brand, database_url
) -> None:
    payload = order_payload(snapshots.add(brand))
    await publish(client_bus, delivery(brand, payload))
    [order] = await eventually(lambda: orders_of(commerce, brand))
    tracking = "https://tracking.example/6A123"
    shipped = await client_bus.call(MARK_SHIPPED, MarkShipped(
        order_id=order.id, by="key:sk_test", tracking_company="Colissimo",
        tracking_number="6A123", tracking_url=tracking), brand_id=brand)
    assert shipped.status == OrderStatus.SHIPPED
    assert shipped.timeline[-1].detail == "Colissimo 6A123 (marked by key:sk_test)"
    [told] = await eventually(lambda: paid_events(database_url, brand, ORDER_SHIPPED))
    assert told["data"]["tracking_url"] == tracking
    with pytest.raises(Invalid) as refused:  # shipped already
        await client_bus.call(MARK_SHIPPED, MarkShipped(order_id=order.id, by="someone"),
                              brand_id=brand)
    assert refused.value.errors[0].code == "invalid_transition"
    with pytest.raises(NotFound):  # another brand's order is not found
        await client_bus.call(MARK_SHIPPED, MarkShipped(order_id=order.id, by="someone"),
                              brand_id=unique("brand-"))
    assert len(await paid_events(database_url, brand, ORDER_SHIPPED)) == 1


def test_a_fulfillments_tracking_page_is_kept_only_when_it_is_a_web_address() -> None:
    assert domain.shopify_shipment({"tracking_company": "UPS", "tracking_number": "1Z",
                                    "tracking_urls": ["https://ups.example/1Z"]}) == {
        "tracking_company": "UPS", "tracking_number": "1Z",
        "tracking_url": "https://ups.example/1Z"}
    assert domain.shopify_shipment({"tracking_url": "javascript:alert(1)"})["tracking_url"] \
        is None
    assert domain.shopify_shipment({}) == {"tracking_company": None, "tracking_number": None,
                                           "tracking_url": None}
