"""Use cases of the commerce service: orders from the shops' webhooks, their personalized items
checked before anything is produced, the brand's view of them. Each runs in the unit of work
the kit opened for the message or command, which commits it (a handler never commits)."""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from atelier.commerce import domain
from atelier.commerce.models import OrderEventRow, OrderItemRow, OrderRow
from atelier.commerce.repository import CommerceRepository
from atelier.contracts import Envelope, ErrorCode, ErrorItem
from atelier.contracts.catalog import ITEM_RELEASED, ORDER_PAID, ORDER_SHIPPED
from atelier.contracts.commerce import (
    ItemReleased,
    ItemStatus,
    ItemToProduce,
    ListOrders,
    MapProduct,
    MarkShipped,
    Order,
    OrderItem,
    OrderList,
    OrderPaid,
    OrderShipped,
    OrderStatus,
    ProductMapping,
    ReleaseItem,
    TimelineEntry,
)
from atelier.contracts.ingress import WebhookReceived, WebhookSource
from atelier.contracts.snapshot import SnapshotStatus, SnapshotView
from atelier.contracts.types import ID_PATTERN
from atelier.kit.errors import Invalid, NotFound, PoisonMessage
from atelier.kit.outbox import UnitOfWork

Uow = UnitOfWork[CommerceRepository]
SHOPIFY = WebhookSource.SHOPIFY.value
# where an order may go from where it is (a refund or a cancellation after shipping is the
# shop's business, recorded on the timeline all the same)
_NEXT: dict[OrderStatus, set[OrderStatus]] = {
    OrderStatus.PENDING: {OrderStatus.PAID, OrderStatus.CANCELLED},
    OrderStatus.PAID: {OrderStatus.IN_PRODUCTION, OrderStatus.READY, OrderStatus.SHIPPED,
                       OrderStatus.CANCELLED, OrderStatus.REFUNDED},
    OrderStatus.IN_PRODUCTION: {OrderStatus.READY, OrderStatus.SHIPPED, OrderStatus.CANCELLED,
                                OrderStatus.REFUNDED},
    OrderStatus.READY: {OrderStatus.SHIPPED, OrderStatus.REFUNDED, OrderStatus.CANCELLED},
    OrderStatus.SHIPPED: {OrderStatus.REFUNDED},
    OrderStatus.CANCELLED: {OrderStatus.REFUNDED},
    OrderStatus.REFUNDED: set(),
}


class Snapshots(Protocol):
    """The snapshot service as commerce needs it (over the bus, in the order's brand)."""

    async def get(self, brand_id: str, snapshot_id: str) -> SnapshotView | None: ...

    async def lock(self, brand_id: str, snapshot_id: str, reason: str) -> None: ...


@dataclass(frozen=True)
class Verdict:
    status: ItemStatus
    reason: str | None = None


async def _verdict(snapshots: Snapshots, brand_id: str, order_id: str, line: domain.Line,
                   product_id: str | None) -> Verdict:
    """Whether a line is to be produced: its snapshot must exist, be the brand's, be of the
    product the line sells and hold no words the brand's rules send to review, and it is
    locked for good; anything else holds the line for a person, with the reason, and nothing
    of it is produced."""
    snapshot_id = line.snapshot_id
    if snapshot_id is None:
        if product_id is None:
            return Verdict(ItemStatus.PLAIN)
        return Verdict(ItemStatus.HELD, f"the line sells the personalized product {product_id} "
                       f"but carries no {domain.SNAPSHOT_PROPERTY}")
    if product_id is None:
        return Verdict(ItemStatus.HELD, f"the line carries a snapshot, but its product "
                       f"{line.external_product_id} is not mapped to an Atelier product")
    if not re.fullmatch(ID_PATTERN, snapshot_id) or len(snapshot_id) > 64:
        return Verdict(ItemStatus.HELD, "the line's snapshot property is not a snapshot id")
    snapshot = await snapshots.get(brand_id, snapshot_id)
    if snapshot is None:
        return Verdict(ItemStatus.HELD, f"snapshot {snapshot_id} is not one of this brand's")
    if snapshot.product_id != product_id:
        return Verdict(ItemStatus.HELD, f"snapshot {snapshot_id} is of product "
                       f"{snapshot.product_id}, the line sells {product_id}")
    if snapshot.review:  # the brand's word rules asked a person to look first
        words = ", ".join(f"{w.matched!r} in {w.zone} ({w.entry}, {w.source})"
                          for w in snapshot.review)
        return Verdict(ItemStatus.HELD, f"words for review: {words}")
    if snapshot.status != SnapshotStatus.LOCKED:
        await snapshots.lock(brand_id, snapshot_id, f"order:{order_id}")
    return Verdict(ItemStatus.QUEUED)


async def on_webhook(uow: Uow, snapshots: Snapshots, brand_id: str,
                     envelope: Envelope[WebhookReceived]) -> None:
    delivery = envelope.data
    if delivery.source is not WebhookSource.SHOPIFY:
        return  # Stripe payments: the payment path (not built yet)
    handle = _SHOPIFY.get(delivery.topic)
    if handle is not None:
        await handle(uow, snapshots, brand_id, delivery, envelope)


async def _order_paid(uow: Uow, snapshots: Snapshots, brand_id: str, delivery: WebhookReceived,
                      cause: Envelope) -> None:
    """A paid order: recorded once (whatever number of deliveries, topics and replays), its
    personalized lines checked, the ones that passed handed to production."""
    try:
        order = domain.shopify_order(delivery.payload)
    except domain.NotAnOrder as exc:
        raise PoisonMessage(str(exc)) from exc
    order_id = await uow.repository.add_order(
        brand_id=brand_id, source=SHOPIFY, external_id=order.external_id, name=order.name,
        status=OrderStatus.PAID.value, currency=order.currency, total_minor=order.total_minor,
        email=order.email, locale=order.locale)
    if order_id is None:
        return  # known: nothing more to do (a held item is released by a person)
    mapped = await uow.repository.mappings(
        SHOPIFY, [line.external_product_id for line in order.lines if line.external_product_id])
    await uow.repository.record(brand_id, order_id, "paid", f"{order.name or ''} via Shopify")
    produce: list[ItemToProduce] = []
    for line in order.lines:
        product_id = mapped.get(line.external_product_id or "")
        verdict = await _verdict(snapshots, brand_id, order_id, line, product_id)
        item_id = await uow.repository.add_item(
            brand_id=brand_id, order_id=order_id, line_id=line.line_id, title=line.title[:500],
            sku=line.sku, external_product_id=line.external_product_id, product_id=product_id,
            snapshot_id=line.snapshot_id[:64] if line.snapshot_id else None,
            quantity=line.quantity, unit_price_minor=line.unit_price_minor,
            total_minor=line.total_minor, currency=order.currency,
            status=verdict.status.value, hold_reason=verdict.reason, properties=line.properties)
        if verdict.status is ItemStatus.HELD:
            await uow.repository.record(brand_id, order_id, "item_held",
                                        f"{line.title}: {verdict.reason}")
        elif verdict.status is ItemStatus.QUEUED and line.snapshot_id and product_id:
            produce.append(ItemToProduce(item_id=item_id, snapshot_id=line.snapshot_id,
                                         product_id=product_id, quantity=line.quantity))
    if produce:
        uow.emit(ORDER_PAID, OrderPaid(order_id=order_id, order_name=order.name, items=produce),
                 brand_id=brand_id, cause=cause)
        await uow.repository.set_order_status(order_id, OrderStatus.IN_PRODUCTION.value)
        await uow.repository.record(brand_id, order_id, "in_production",
                                    f"{len(produce)} item(s) sent to production")


def _status_change(status: OrderStatus, event: str) -> Callable[..., Awaitable[None]]:
    async def change(uow: Uow, _snapshots: Snapshots, brand_id: str, delivery: WebhookReceived,
                     cause: Envelope) -> None:
        external = delivery.payload.get("order_id", delivery.payload.get("id"))
        order = await uow.repository.order_by_external(SHOPIFY, str(external), for_update=True)
        if order is None:
            raise LookupError(f"{delivery.topic} for order {external}, not received yet")
        detail = _detail(delivery)
        if status in _NEXT[OrderStatus(order.status)]:
            await uow.repository.set_order_status(order.id, status.value)
            if status is OrderStatus.SHIPPED:
                uow.emit(ORDER_SHIPPED, OrderShipped(
                    order_id=order.id, order_name=order.name,
                    **domain.shopify_shipment(delivery.payload)), brand_id=brand_id, cause=cause)
        else:
            detail = f"{detail} (the order stays {order.status})".strip()
        await uow.repository.record(brand_id, order.id, event, detail or None)

    return change


async def mark_shipped(uow: Uow, brand_id: str, shipped: MarkShipped) -> Order:
    """A brand admin says the order left: shipped, on the timeline, and told (the shipping
    email). An order shipped already, cancelled or refunded cannot be."""
    order = await uow.repository.order(shipped.order_id, for_update=True)
    if order is None:
        raise NotFound.of("order", "order_id")
    if OrderStatus.SHIPPED not in _NEXT[OrderStatus(order.status)]:
        raise Invalid("The order cannot be marked shipped.", [ErrorItem(
            field="order_id", code=ErrorCode.INVALID_TRANSITION,
            message=f"Only a paid order not shipped yet is shipped; this one is {order.status}.")])
    await uow.repository.set_order_status(order.id, OrderStatus.SHIPPED.value)
    tracking = " ".join(t for t in (shipped.tracking_company, shipped.tracking_number) if t)
    await uow.repository.record(brand_id, order.id, "shipped",
                                f"{tracking} (marked by {shipped.by})".strip())
    uow.emit(ORDER_SHIPPED, OrderShipped(
        order_id=order.id, order_name=order.name, tracking_company=shipped.tracking_company,
        tracking_number=shipped.tracking_number, tracking_url=shipped.tracking_url),
        brand_id=brand_id)
    return await _order(uow, order.id)


def _detail(delivery: WebhookReceived) -> str:
    payload = delivery.payload
    if delivery.topic == "fulfillments/create":
        return " ".join(str(payload[k]) for k in ("tracking_company", "tracking_number")
                        if payload.get(k))
    if delivery.topic == "orders/cancelled":
        return str(payload.get("cancel_reason") or "")
    return ""


async def _redact(uow: Uow, _snapshots: Snapshots, brand_id: str, delivery: WebhookReceived,
                  _cause: Envelope) -> None:
    """customers/redact and shop/redact: the personal data commerce holds (the shopper's email
    on their orders) erased, and the erasure recorded on each order's timeline."""
    payload = delivery.payload
    customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
    email = customer.get("email") if customer else None
    erased: list[str] = []
    if delivery.topic == "customers/redact" and isinstance(email, str):
        erased = await uow.repository.forget_customer(email)
    elif delivery.topic == "shop/redact":
        erased = await uow.repository.forget_shop(SHOPIFY)
    for order_id in erased:
        await uow.repository.record(brand_id, order_id, "personal_data_erased",
                                    f"Shopify {delivery.topic}")


async def on_bundle(uow: Uow, brand_id: str, order_id: str | None, item_id: str | None,
                    ready: bool, detail: str) -> None:
    """An item's production bundle was made (or failed, with the reason: a person can have it
    made again, ``POST /v1/manufacturing/work-orders/{id}/export``); the order is ready once
    every item sent to production is."""
    if order_id is None or item_id is None:
        return  # an export asked by hand, of no order
    order = await uow.repository.order(order_id, for_update=True)
    items = await uow.repository.items([order_id]) if order else []
    item = next((i for i in items if i.id == item_id), None)
    if order is None or item is None:
        return
    status = ItemStatus.READY if ready else ItemStatus.FAILED
    await uow.repository.set_item(item.id, status=status.value,
                                  hold_reason=None if ready else detail[:1000])
    await uow.repository.record(brand_id, order.id, "item_ready" if ready else
                                "production_failed", f"{item.title}: {detail}")
    produced = [i for i in items if i.status != ItemStatus.PLAIN]
    done = all(i.status == ItemStatus.READY or i.id == item.id for i in produced)
    if ready and done and OrderStatus.READY in _NEXT[OrderStatus(order.status)]:
        await uow.repository.set_order_status(order.id, OrderStatus.READY.value)
        await uow.repository.record(brand_id, order.id, "ready",
                                    "every personalized item's production files are ready")


_SHOPIFY: dict[str, Callable[..., Awaitable[None]]] = {
    "orders/paid": _order_paid,
    "orders/cancelled": _status_change(OrderStatus.CANCELLED, "cancelled"),
    "refunds/create": _status_change(OrderStatus.REFUNDED, "refunded"),
    "fulfillments/create": _status_change(OrderStatus.SHIPPED, "shipped"),
    "customers/redact": _redact,
    "shop/redact": _redact,
}


async def release_item(uow: Uow, snapshots: Snapshots, brand_id: str, release: ReleaseItem
                       ) -> Order:
    """A person checked a held item and lets it go to production with its snapshot, locked (a
    snapshot of another product than the line's is produced as the shopper designed it: the
    person decided so). An item whose snapshot is not the brand's cannot be produced at all."""
    order = await uow.repository.order(release.order_id, for_update=True)
    items = await uow.repository.items([release.order_id]) if order else []
    item = next((i for i in items if i.id == release.item_id), None)
    if order is None or item is None:
        raise NotFound.of("order item", "item_id")
    snapshot = await snapshots.get(brand_id, item.snapshot_id) if item.snapshot_id else None
    if item.status != ItemStatus.HELD or snapshot is None:
        message = (f"Only a held item is released; this one is {item.status}."
                   if item.status != ItemStatus.HELD else
                   "The item has no snapshot of this brand to produce: ask the shopper for "
                   "their design, or refund the line.")
        raise Invalid("The item cannot be released.", [ErrorItem(
            field="item_id", code=ErrorCode.INVALID_TRANSITION, message=message)])
    if snapshot.status != SnapshotStatus.LOCKED:
        await snapshots.lock(brand_id, snapshot.id, f"order:{order.id}")
    await uow.repository.set_item(item.id, status=ItemStatus.QUEUED.value, hold_reason=None)
    await uow.repository.record(brand_id, order.id, "item_released",
                                f"{item.title}: released by {release.by}")
    uow.emit(ITEM_RELEASED, ItemReleased(
        order_id=order.id, order_name=order.name, by=release.by,
        item=ItemToProduce(item_id=item.id, snapshot_id=snapshot.id,
                           product_id=snapshot.product_id, quantity=item.quantity)),
        brand_id=brand_id)
    return await _order(uow, order.id)


async def map_product(uow: Uow, brand_id: str, mapping: MapProduct) -> ProductMapping:
    await uow.repository.map_product(brand_id, mapping.platform, mapping.external_product_id,
                                     mapping.product_id)
    return ProductMapping(platform=mapping.platform,
                          external_product_id=mapping.external_product_id,
                          product_id=mapping.product_id)


async def get_order(uow: Uow, order_id: str) -> Order:
    async with uow:
        return await _order(uow, order_id)


async def list_orders(uow: Uow, query: ListOrders) -> OrderList:
    async with uow:  # read inside: leaving the unit of work rolls back and expires the rows
        rows = await uow.repository.orders(query.status and query.status.value, query.before,
                                           query.limit)
        orders = await _views(uow, rows)
    older = orders[-1].created_at if len(orders) == query.limit else None
    return OrderList(orders=orders, next_before=older)


async def _order(uow: Uow, order_id: str) -> Order:
    row = await uow.repository.order(order_id)
    if row is None:
        raise NotFound.of("order", "order_id")
    return (await _views(uow, [row]))[0]


async def _views(uow: Uow, rows: list[OrderRow]) -> list[Order]:
    ids = [row.id for row in rows]
    items: dict[str, list[OrderItemRow]] = {i: [] for i in ids}
    for item in await uow.repository.items(ids):
        items[item.order_id].append(item)
    events: dict[str, list[OrderEventRow]] = {i: [] for i in ids}
    for event in await uow.repository.events(ids):
        events[event.order_id].append(event)
    return [Order(
        id=row.id, source=row.source, external_id=row.external_id, name=row.name,
        status=OrderStatus(row.status), currency=row.currency, total_minor=row.total_minor,
        created_at=row.created_at, email=row.email, locale=row.locale,
        items=[OrderItem(
            id=i.id, line_id=i.line_id, title=i.title, sku=i.sku,
            external_product_id=i.external_product_id, product_id=i.product_id,
            snapshot_id=i.snapshot_id, quantity=i.quantity, unit_price_minor=i.unit_price_minor,
            total_minor=i.total_minor, currency=i.currency, status=ItemStatus(i.status),
            hold_reason=i.hold_reason, properties=i.properties) for i in items[row.id]],
        timeline=[TimelineEntry(at=e.at, event=e.event, detail=e.detail)
                  for e in events[row.id]],
    ) for row in rows]
