"""Use cases of the commerce service: orders from the shops' webhooks, their personalized items
checked before anything is produced, the brand's view of them. Each runs in the unit of work
the kit opened for the message or command, which commits it (a handler never commits)."""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from atelier.commerce import domain
from atelier.commerce.models import OrderEventRow, OrderItemRow, OrderRow, PriceRow
from atelier.commerce.payments import Payments
from atelier.commerce.repository import CommerceRepository
from atelier.contracts import Envelope, ErrorCode, ErrorItem
from atelier.contracts.catalog import (
    ITEM_RELEASED,
    ORDER_PAID,
    ORDER_SHIPPED,
    PAYMENT_INTENT_CREATED,
    PERSONAL_DATA_ERASED,
)
from atelier.contracts.commerce import (
    CreatePaymentIntent,
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
    PaymentIntentCreated,
    PaymentIntentView,
    PersonalDataErased,
    Price,
    ProductMapping,
    ReleaseItem,
    SetPrice,
    TimelineEntry,
)
from atelier.contracts.ingress import WebhookReceived, WebhookSource
from atelier.contracts.snapshot import SnapshotStatus, SnapshotView
from atelier.contracts.types import ID_PATTERN
from atelier.kit.errors import Conflict, Invalid, NotFound, PoisonMessage, Unavailable
from atelier.kit.outbox import UnitOfWork

Uow = UnitOfWork[CommerceRepository]
SHOPIFY, STRIPE = WebhookSource.SHOPIFY.value, WebhookSource.STRIPE.value
# Stripe refuses a PaymentIntent above 8 digits of minor units (99 999 999)
STRIPE_MAX_AMOUNT = 99_999_999
# the metadata of the PaymentIntents commerce makes: Stripe's events about them name the brand
# (ingress routes them by it) and the order
STRIPE_BRAND, STRIPE_ORDER = "atelier_brand_id", "atelier_order_id"
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

    async def filled_zones(self, brand_id: str, snapshot: SnapshotView) -> set[str]:
        """The zones the snapshot's design fills (from its spec, which the spec service keeps)."""
        ...


@dataclass(frozen=True)
class Verdict:
    status: ItemStatus
    reason: str | None = None


async def _verdict(snapshots: Snapshots, brand_id: str, order_id: str, snapshot_id: str | None,
                   product_id: str | None, external_product_id: str | None = None) -> Verdict:
    """Whether a line is to be produced: its snapshot must exist, be the brand's, be of the
    product the line sells and hold no words the brand's rules send to review, and it is
    locked for good; anything else holds the line for a person, with the reason, and nothing
    of it is produced."""
    if snapshot_id is None:
        if product_id is None:
            return Verdict(ItemStatus.PLAIN)
        return Verdict(ItemStatus.HELD, f"the line sells the personalized product {product_id} "
                       f"but carries no {domain.SNAPSHOT_PROPERTY}")
    if product_id is None:
        return Verdict(ItemStatus.HELD, f"the line carries a snapshot, but its product "
                       f"{external_product_id} is not mapped to an Atelier product")
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
    handlers = _SHOPIFY if delivery.source is WebhookSource.SHOPIFY else _STRIPE
    handle = handlers.get(delivery.topic)
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
    personalized = False
    for line in order.lines:
        product_id = mapped.get(line.external_product_id or "")
        verdict = await _verdict(snapshots, brand_id, order_id, line.snapshot_id, product_id,
                                 line.external_product_id)
        personalized = personalized or verdict.status is not ItemStatus.PLAIN
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
    if personalized:  # an order of plain products only is the shop's alone to confirm
        await _to_production(uow, brand_id, order_id, order.name, produce, cause)


async def _to_production(uow: Uow, brand_id: str, order_id: str, order_name: str | None,
                         produce: list[ItemToProduce], cause: Envelope) -> None:
    """A paid order with personalized lines is told (``order.paid``: the shopper's
    confirmation, with the proofs), with its items that passed every check, which go to
    production (none when every personalized line is held)."""
    uow.emit(ORDER_PAID, OrderPaid(order_id=order_id, order_name=order_name, items=produce),
             brand_id=brand_id, cause=cause)
    if produce:
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
                  cause: Envelope) -> None:
    """customers/redact and shop/redact: the personal data commerce holds (the shopper's email
    on their orders) erased, the erasure recorded on each order's timeline, and told
    (``personal_data.erased``) to the services that hold more of it (the emails sent)."""
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
    every_order = delivery.topic == "shop/redact"
    if erased or every_order:
        uow.emit(PERSONAL_DATA_ERASED, PersonalDataErased(
            order_ids=[] if every_order else erased, every_order=every_order),
            brand_id=brand_id, cause=cause)


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


# --- prices and the Stripe payment path ---------------------------------------------------------
async def set_price(uow: Uow, brand_id: str, price: SetPrice) -> Price:
    row = await uow.repository.set_price(brand_id, price.product_id, price.currency,
                                         price.amount_minor, price.zone_surcharges)
    return _price(row)


async def get_price(uow: Uow, product_id: str) -> Price:
    async with uow:
        row = await uow.repository.price(product_id)
        if row is None:
            raise NotFound.of("price", "product_id")
        return _price(row)


def _price(row: PriceRow) -> Price:
    assert row.updated_at is not None
    return Price(product_id=row.product_id, currency=row.currency,
                 amount_minor=row.amount_minor, zone_surcharges=row.zone_surcharges,
                 updated_at=row.updated_at)


def _refused(field: str, code: ErrorCode, message: str) -> Invalid:
    return Invalid("The payment cannot be made.", [ErrorItem(field=field, code=code,
                                                             message=message)])


@dataclass(frozen=True)
class _Priced:
    snapshot: SnapshotView
    quantity: int
    currency: str
    unit_minor: int
    total_minor: int


async def _priced(uow: Uow, snapshots: Snapshots, brand_id: str,
                  request: CreatePaymentIntent) -> list[_Priced]:
    """Each item priced on the server from the brand's prices and the snapshot's design."""
    priced = []
    for n, item in enumerate(request.items):
        snapshot = await snapshots.get(brand_id, item.snapshot_id)
        if snapshot is None:  # unknown, or another brand's: the same answer
            raise NotFound("No such snapshot.", [ErrorItem(
                field=f"items[{n}].snapshot_id", code=ErrorCode.NOT_FOUND,
                message="Create the design's snapshot first (POST /v1/snapshots).")])
        price = await uow.repository.price(snapshot.product_id)
        if price is None:
            raise _refused(f"items[{n}].snapshot_id", ErrorCode.PRICE_MISSING,
                           f"The product {snapshot.product_id} has no price: the brand sets it "
                           "with PUT /v1/admin/products/{product_id}/price.")
        used = await snapshots.filled_zones(brand_id, snapshot)
        unit, total = domain.item_total(price.amount_minor, price.zone_surcharges, used,
                                        item.quantity)
        priced.append(_Priced(snapshot, item.quantity, price.currency, unit, total))
    return priced


async def create_payment_intent(uow: Uow, snapshots: Snapshots, payments: Payments | None,
                                brand_id: str, request: CreatePaymentIntent, request_key: str
                                ) -> PaymentIntentView:
    """A pending order of the shopper's snapshots, priced here, and its Stripe PaymentIntent.

    Stripe is asked first and the order written after, in the command's transaction: a Stripe
    failure leaves nothing (the client retries under the same Idempotency-Key), and an order
    is visible, with its client secret handed out, only once its PaymentIntent exists. A crash
    between the two leaves a PaymentIntent nobody holds the secret of, which can never be paid;
    the retry asks Stripe again under the same idempotency key, with the same order id, and
    gets that very PaymentIntent back (``domain.payment_keys``)."""
    if payments is None:
        raise Unavailable("Payments are not configured on this Atelier installation.", [
            ErrorItem(field="payment", code=ErrorCode.PAYMENTS_NOT_CONFIGURED,
                      message="The operator sets ATELIER_COMMERCE_STRIPE_SECRET_KEY.")])
    priced = await _priced(uow, snapshots, brand_id, request)
    currencies = sorted({p.currency for p in priced})
    if len(currencies) > 1:
        raise _refused("items", ErrorCode.CURRENCY_MISMATCH, "These products are priced in "
                       f"{', '.join(currencies)}: one payment is in one currency.")
    currency, amount = currencies[0], sum(p.total_minor for p in priced)
    if not 0 < amount <= STRIPE_MAX_AMOUNT:
        raise _refused("items", ErrorCode.NOTHING_TO_PAY, f"The total is {amount} {currency} "
                       f"minor units; a payment is of 1 to {STRIPE_MAX_AMOUNT}.")
    keys = domain.payment_keys(brand_id, request_key)
    intent = await payments.create_intent(
        amount_minor=amount, currency=currency, idempotency_key=keys.idempotency_key,
        metadata={STRIPE_BRAND: brand_id, STRIPE_ORDER: keys.order_id}, email=request.email)
    order_id = keys.order_id
    added = await uow.repository.add_order(
        order_id, any_conflict=True, brand_id=brand_id, source=STRIPE, external_id=intent.id,
        name=None, status=OrderStatus.PENDING.value, currency=currency, total_minor=amount,
        email=request.email, locale=request.locale)
    if added is None:
        # the order of this request key exists: the key was used days ago, and the kit (3 days)
        # and Stripe (24 hours) have forgotten it. Its order is not this request's to answer
        raise Conflict("This Idempotency-Key was used for another payment.", [ErrorItem(
            field="Idempotency-Key", code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
            message="Send a new Idempotency-Key for a new payment.")])
    for n, item in enumerate(priced):
        snapshot = item.snapshot
        await uow.repository.add_item(
            brand_id=brand_id, order_id=order_id, line_id=str(n + 1),
            title=f"product {snapshot.product_id}", sku=None, external_product_id=None,
            product_id=snapshot.product_id, snapshot_id=snapshot.id,
            quantity=item.quantity, unit_price_minor=item.unit_minor,
            total_minor=item.total_minor, currency=currency,
            status=ItemStatus.PENDING.value, hold_reason=None, properties={})
    await uow.repository.add_payment(
        brand_id=brand_id, order_id=order_id, provider=STRIPE, external_id=intent.id,
        amount_minor=amount, currency=currency, status=intent.status)
    await uow.repository.record(brand_id, order_id, "payment_intent_created",
                                f"Stripe {intent.id}: {amount} {currency} (minor units)")
    # ingress learns whose PaymentIntent it is (a refunded charge may not say)
    uow.emit(PAYMENT_INTENT_CREATED, PaymentIntentCreated(
        order_id=order_id, payment_intent_id=intent.id), brand_id=brand_id)
    return PaymentIntentView(order_id=order_id, payment_intent_id=intent.id,
                             amount_minor=amount, currency=currency,
                             client_secret=intent.client_secret,
                             status=OrderStatus.PENDING)



def _stripe_object(delivery: WebhookReceived) -> dict[str, Any]:
    data = delivery.payload.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise PoisonMessage(f"Stripe {delivery.topic} {delivery.event_id} carries no object")
    return obj


async def _stripe_order(uow: Uow, delivery: WebhookReceived, payment_intent: object) -> OrderRow:
    """The order of a PaymentIntent. Not there yet (the event overtook the commit of its order,
    or a replica's clock): a transient failure, retried by the bus with growing delays, so the
    event is applied once the order is there, never lost."""
    if not isinstance(payment_intent, str) or not payment_intent:
        raise PoisonMessage(f"Stripe {delivery.topic} {delivery.event_id} names no "
                            "PaymentIntent")
    order = await uow.repository.order_by_external(STRIPE, payment_intent, for_update=True)
    if order is None:
        raise LookupError(f"Stripe {delivery.topic} for {payment_intent}: its order is not "
                          "known yet")
    return order


async def _intent_succeeded(uow: Uow, snapshots: Snapshots, brand_id: str,
                            delivery: WebhookReceived, cause: Envelope) -> None:
    """The shopper paid: the order is paid once (another event of the same payment changes
    nothing), its items checked and locked as a shop's are, and produced; an amount or currency
    other than the order's holds every item with the reason, for a person to look at."""
    intent = _stripe_object(delivery)
    order = await _stripe_order(uow, delivery, intent["id"])
    if order.status != OrderStatus.PENDING:
        return
    try:
        received = int(intent.get("amount_received") or intent["amount"])
        currency = str(intent["currency"]).upper()
    except (KeyError, TypeError, ValueError) as exc:
        raise PoisonMessage(f"Stripe {delivery.event_id}: no amount: {exc!r}") from exc
    await uow.repository.set_payment(STRIPE, intent["id"], status="succeeded",
                                     amount_minor=received)
    await uow.repository.set_order_status(order.id, OrderStatus.PAID.value)
    await uow.repository.record(brand_id, order.id, "paid",
                                f"Stripe {intent['id']}: {received} {currency}")
    items = await uow.repository.items([order.id])
    if (received, currency) != (order.total_minor, order.currency):
        reason = (f"Stripe received {received} {currency}, the order is "
                  f"{order.total_minor} {order.currency} (minor units)")
        for item in items:
            await uow.repository.set_item(item.id, status=ItemStatus.HELD.value,
                                          hold_reason=reason)
        await uow.repository.record(brand_id, order.id, "payment_mismatch", reason)
        return
    produce: list[ItemToProduce] = []
    for item in items:
        verdict = await _verdict(snapshots, brand_id, order.id, item.snapshot_id,
                                 item.product_id)
        await uow.repository.set_item(item.id, status=verdict.status.value,
                                      hold_reason=verdict.reason)
        if verdict.status is ItemStatus.HELD:
            await uow.repository.record(brand_id, order.id, "item_held",
                                        f"{item.title}: {verdict.reason}")
        elif item.snapshot_id and item.product_id:
            produce.append(ItemToProduce(item_id=item.id, snapshot_id=item.snapshot_id,
                                         product_id=item.product_id, quantity=item.quantity))
    await _to_production(uow, brand_id, order.id, order.name, produce, cause)


async def _intent_failed(uow: Uow, _snapshots: Snapshots, brand_id: str,
                         delivery: WebhookReceived, _cause: Envelope) -> None:
    """A payment attempt failed (a declined card): on the timeline; the order stays pending,
    the shopper may try again with the same PaymentIntent."""
    intent = _stripe_object(delivery)
    order = await _stripe_order(uow, delivery, intent["id"])
    error = intent.get("last_payment_error")
    why = error.get("message") or error.get("code") if isinstance(error, dict) else None
    await uow.repository.record(brand_id, order.id, "payment_failed",
                                f"Stripe {intent['id']}: {why or 'no reason given'}"[:2000])


async def _charge_refunded(uow: Uow, _snapshots: Snapshots, brand_id: str,
                           delivery: WebhookReceived, _cause: Envelope) -> None:
    """A charge refunded: the order found by its PaymentIntent (a charge need not carry the
    intent's metadata); refunded in full, the order is refunded, in part, it is noted."""
    charge = _stripe_object(delivery)
    order = await _stripe_order(uow, delivery, charge.get("payment_intent"))
    refunded = charge.get("amount_refunded")
    currency = str(charge.get("currency") or "").upper()
    detail = f"Stripe {charge['id']}: {refunded} {currency} refunded"
    if charge.get("refunded") is not True:
        await uow.repository.record(brand_id, order.id, "partially_refunded", detail)
        return
    await uow.repository.set_payment(STRIPE, order.external_id, status="refunded")
    if OrderStatus.REFUNDED in _NEXT[OrderStatus(order.status)]:
        await uow.repository.set_order_status(order.id, OrderStatus.REFUNDED.value)
    else:
        detail = f"{detail} (the order stays {order.status})"
    await uow.repository.record(brand_id, order.id, "refunded", detail)


_STRIPE: dict[str, Callable[..., Awaitable[None]]] = {
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.payment_failed": _intent_failed,
    "charge.refunded": _charge_refunded,
}
