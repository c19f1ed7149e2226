"""Bus entrypoints: the shops' webhooks (from ingress), the brands' requests (gateway)."""

from atelier.commerce import domain, handlers
from atelier.commerce.payments import Payments
from atelier.commerce.repository import CommerceRepository
from atelier.contracts import Envelope
from atelier.contracts.catalog import (
    BUNDLE_FAILED,
    BUNDLE_READY,
    CREATE_PAYMENT_INTENT,
    GET_ORDER,
    GET_PRICE,
    GET_SNAPSHOT,
    GET_SPEC,
    LIST_ORDERS,
    LOCK_SNAPSHOT,
    MAP_PRODUCT,
    MARK_SHIPPED,
    RELEASE_ITEM,
    SET_PRICE,
    WEBHOOK_RECEIVED,
)
from atelier.contracts.commerce import (
    CreatePaymentIntent,
    GetOrder,
    GetPrice,
    ListOrders,
    MapProduct,
    MarkShipped,
    Order,
    OrderList,
    PaymentIntentView,
    Price,
    ProductMapping,
    ReleaseItem,
    SetPrice,
)
from atelier.contracts.ingress import WebhookReceived
from atelier.contracts.manufacturing import BundleFailed, BundleReady
from atelier.contracts.snapshot import GetSnapshot, LockSnapshot, SnapshotView
from atelier.contracts.spec import GetSpec
from atelier.kit import context
from atelier.kit.broker import brand_of
from atelier.kit.errors import NotFound
from atelier.kit.outbox import UnitOfWork
from atelier.kit.runtime import Runtime

WEBHOOK_CONSUMER = "webhooks"
BUNDLE_READY_CONSUMER, BUNDLE_FAILED_CONSUMER = "bundle-ready", "bundle-failed"
LOCKED_BY = "commerce"


class BusSnapshots:
    """The snapshot service over the bus, in the order's brand: another brand's snapshot is not
    found, as an unknown one is."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def get(self, brand_id: str, snapshot_id: str) -> SnapshotView | None:
        try:
            return await self.runtime.bus.call(
                GET_SNAPSHOT, GetSnapshot(snapshot_id=snapshot_id), brand_id=brand_id)
        except NotFound:
            return None

    async def lock(self, brand_id: str, snapshot_id: str, reason: str) -> None:
        await self.runtime.bus.call(
            LOCK_SNAPSHOT, LockSnapshot(snapshot_id=snapshot_id, by=LOCKED_BY, reason=reason),
            brand_id=brand_id)

    async def filled_zones(self, brand_id: str, snapshot: SnapshotView) -> set[str]:
        stored = await self.runtime.bus.call(
            GET_SPEC, GetSpec(spec_hash=snapshot.spec_hash), brand_id=brand_id)
        return domain.filled_zones(stored.spec)


def register(runtime: Runtime, snapshots: handlers.Snapshots, payments: Payments | None
             ) -> None:
    async def on_webhook(
        uow: UnitOfWork[CommerceRepository], envelope: Envelope[WebhookReceived]
    ) -> None:
        await handlers.on_webhook(uow, snapshots, brand_of(envelope), envelope)

    async def release(
        uow: UnitOfWork[CommerceRepository], envelope: Envelope[ReleaseItem]
    ) -> Order:
        return await handlers.release_item(uow, snapshots, brand_of(envelope), envelope.data)

    async def map_product(
        uow: UnitOfWork[CommerceRepository], envelope: Envelope[MapProduct]
    ) -> ProductMapping:
        return await handlers.map_product(uow, brand_of(envelope), envelope.data)

    async def ship(uow: UnitOfWork[CommerceRepository], envelope: Envelope[MarkShipped]
                   ) -> Order:
        return await handlers.mark_shipped(uow, brand_of(envelope), envelope.data)

    async def set_price(uow: UnitOfWork[CommerceRepository], envelope: Envelope[SetPrice]
                        ) -> Price:
        return await handlers.set_price(uow, brand_of(envelope), envelope.data)

    async def get_price(envelope: Envelope[GetPrice]) -> Price:
        return await handlers.get_price(runtime.uow(), envelope.data.product_id)

    async def pay(uow: UnitOfWork[CommerceRepository], envelope: Envelope[CreatePaymentIntent]
                  ) -> PaymentIntentView:
        request_key = context.request_key.get()
        assert request_key is not None  # serve_command claimed it
        return await handlers.create_payment_intent(uow, snapshots, payments, brand_of(envelope),
                                                    envelope.data, request_key)

    async def get(envelope: Envelope[GetOrder]) -> Order:
        return await handlers.get_order(runtime.uow(), envelope.data.order_id)

    async def listing(envelope: Envelope[ListOrders]) -> OrderList:
        return await handlers.list_orders(runtime.uow(), envelope.data)

    async def on_ready(uow: UnitOfWork[CommerceRepository], envelope: Envelope[BundleReady]
                       ) -> None:
        bundle = envelope.data
        await handlers.on_bundle(uow, brand_of(envelope), bundle.order_id, bundle.item_id,
                                 True, bundle.bundle_name)

    async def on_failed(uow: UnitOfWork[CommerceRepository], envelope: Envelope[BundleFailed]
                        ) -> None:
        failed = envelope.data
        await handlers.on_bundle(uow, brand_of(envelope), failed.order_id, failed.item_id,
                                 False, failed.reason)

    runtime.bus.consume(WEBHOOK_RECEIVED, WEBHOOK_CONSUMER, on_webhook)
    runtime.bus.consume(BUNDLE_READY, BUNDLE_READY_CONSUMER, on_ready)
    runtime.bus.consume(BUNDLE_FAILED, BUNDLE_FAILED_CONSUMER, on_failed)
    runtime.bus.serve_command(RELEASE_ITEM, release)
    runtime.bus.serve_command(MAP_PRODUCT, map_product)
    runtime.bus.serve_command(MARK_SHIPPED, ship)
    runtime.bus.serve_command(SET_PRICE, set_price)
    runtime.bus.serve_command(CREATE_PAYMENT_INTENT, pay)
    runtime.bus.serve(GET_PRICE, get_price)
    runtime.bus.serve(GET_ORDER, get)
    runtime.bus.serve(LIST_ORDERS, listing)
