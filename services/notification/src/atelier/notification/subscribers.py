"""Bus entrypoints: the events that become emails, and the brand's requests (gateway)."""

from atelier.contracts import Envelope
from atelier.contracts.catalog import (
    BUNDLE_FAILED,
    GET_EMAIL_SETTINGS,
    GET_ORDER,
    GET_RENDER,
    GET_SNAPSHOT,
    LIST_SUPPRESSIONS,
    ORDER_PAID,
    ORDER_SHIPPED,
    PERSONAL_DATA_ERASED,
    PREVIEW_EMAIL,
    RENDER_COMPLETED,
    SET_EMAIL_SETTINGS,
    SUPPRESS,
    UNSUBSCRIBE,
    UNSUPPRESS,
)
from atelier.contracts.commerce import (
    GetOrder,
    Order,
    OrderPaid,
    OrderShipped,
    PersonalDataErased,
)
from atelier.contracts.manufacturing import BundleFailed
from atelier.contracts.notification import (
    EmailSettings,
    GetEmailSettings,
    ListSuppressions,
    Preview,
    PreviewTemplate,
    Suppress,
    Suppression,
    SuppressionList,
    Unsubscribe,
    Unsubscribed,
    Unsuppress,
)
from atelier.contracts.render import GetRender, RenderCompleted, RenderKind, RenderStatus
from atelier.contracts.snapshot import GetSnapshot
from atelier.kit.broker import brand_of
from atelier.kit.errors import NotFound
from atelier.kit.outbox import UnitOfWork
from atelier.kit.runtime import Runtime
from atelier.notification import handlers
from atelier.notification.repository import NotificationRepository

Uow = UnitOfWork[NotificationRepository]


class BusLookups:
    """The order (commerce) and its items' mockups (snapshot, render), in the event's brand."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def order(self, brand_id: str, order_id: str) -> Order | None:
        try:
            return await self.runtime.bus.call(GET_ORDER, GetOrder(order_id=order_id),
                                               brand_id=brand_id)
        except NotFound:
            return None

    async def mockup(self, brand_id: str, snapshot_id: str) -> handlers.Mockup:
        try:
            snapshot = await self.runtime.bus.call(
                GET_SNAPSHOT, GetSnapshot(snapshot_id=snapshot_id), brand_id=brand_id)
            state = await self.runtime.bus.call(
                GET_RENDER, GetRender(spec_hash=snapshot.spec_hash), brand_id=brand_id)
        except NotFound:
            return handlers.Mockup()
        mockups = [a for a in state.assets if a.kind == RenderKind.MOCKUP]
        drawn = [a.object_key for a in mockups if a.status == RenderStatus.READY and a.object_key]
        return handlers.Mockup(key=drawn[0] if drawn else None, pending=not drawn and any(
            a.status == RenderStatus.PENDING for a in mockups))


def register(runtime: Runtime, deps: handlers.Deps) -> None:
    settings = deps.settings

    async def paid(uow: Uow, envelope: Envelope[OrderPaid]) -> None:
        await handlers.on_order_paid(uow, deps, brand_of(envelope), envelope)

    async def shipped(uow: Uow, envelope: Envelope[OrderShipped]) -> None:
        await handlers.on_order_shipped(uow, deps, brand_of(envelope), envelope)

    async def erased(uow: Uow, envelope: Envelope[PersonalDataErased]) -> None:
        await handlers.on_personal_data_erased(uow, brand_of(envelope), envelope)

    async def failed(uow: Uow, envelope: Envelope[BundleFailed]) -> None:
        await handlers.on_bundle_failed(uow, deps, brand_of(envelope), envelope)

    async def rendered(uow: Uow, envelope: Envelope[RenderCompleted]) -> None:
        await handlers.on_render_completed(uow, deps, brand_of(envelope), envelope)

    async def get_settings(envelope: Envelope[GetEmailSettings]) -> EmailSettings:
        async with runtime.uow() as uow:
            return await handlers.brand_settings(uow, settings, brand_of(envelope))

    async def set_settings(uow: Uow, envelope: Envelope[EmailSettings]) -> EmailSettings:
        return await handlers.set_settings(uow, settings, brand_of(envelope), envelope.data)

    async def preview(envelope: Envelope[PreviewTemplate]) -> Preview:
        return await handlers.preview(runtime.uow(), settings, brand_of(envelope), envelope.data)

    async def listing(envelope: Envelope[ListSuppressions]) -> SuppressionList:
        return await handlers.suppressions(runtime.uow(), brand_of(envelope))

    async def suppress(uow: Uow, envelope: Envelope[Suppress]) -> Suppression:
        return await handlers.suppress(uow, brand_of(envelope), envelope.data)

    async def unsuppress(uow: Uow, envelope: Envelope[Unsuppress]) -> SuppressionList:
        return await handlers.unsuppress(uow, brand_of(envelope), envelope.data.address)

    async def unsubscribe(envelope: Envelope[Unsubscribe]) -> Unsubscribed:
        return await handlers.unsubscribe(runtime.uow, settings, envelope.data)

    runtime.bus.consume(ORDER_PAID, "order-paid", paid)
    runtime.bus.consume(ORDER_SHIPPED, "order-shipped", shipped)
    runtime.bus.consume(PERSONAL_DATA_ERASED, "personal-data-erased", erased)
    runtime.bus.consume(BUNDLE_FAILED, "bundle-failed", failed)
    runtime.bus.consume(RENDER_COMPLETED, "render-completed", rendered)
    runtime.bus.serve(GET_EMAIL_SETTINGS, get_settings)
    runtime.bus.serve_command(SET_EMAIL_SETTINGS, set_settings)
    runtime.bus.serve(PREVIEW_EMAIL, preview)
    runtime.bus.serve(LIST_SUPPRESSIONS, listing)
    runtime.bus.serve_command(SUPPRESS, suppress)
    runtime.bus.serve_command(UNSUPPRESS, unsuppress)
    runtime.bus.serve(UNSUBSCRIBE, unsubscribe)



