"""Bus entrypoints: translate messages to use-case calls and back."""

from typing import Any

from atelier.contracts import Envelope
from atelier.contracts.catalog import (
    EXPORT_PACK,
    GET_BUNDLES,
    GET_WORK_ORDER,
    ITEM_RELEASED,
    LIST_PROFILES,
    MANUFACTURING_EXPORT,
    ORDER_PAID,
    REGENERATE_WORK_ORDER,
    SET_PRODUCT_PROFILE,
    SET_PROFILE,
    Message,
)
from atelier.contracts.commerce import ItemReleased, OrderPaid
from atelier.contracts.manufacturing import (
    BundleList,
    ExportJob,
    ExportPack,
    GetBundles,
    GetWorkOrder,
    ListProfiles,
    OutputProfile,
    ProductProfile,
    ProfileList,
    RegenerateWorkOrder,
    SetProductProfile,
    WorkOrderView,
)
from atelier.kit.broker import brand_of
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectStore
from atelier.manufacturing import handlers
from atelier.manufacturing.handlers import Ask, Uow
from atelier.manufacturing.settings import ManufacturingSettings
from atelier.typeset.pinned import PinnedFonts

EXPORT_CONSUMER = "export"  # manufacturing-export: the consumer KEDA scales the workers on
ORDER_PAID_CONSUMER = "order-paid"
ITEM_RELEASED_CONSUMER = "item-released"


def register(runtime: Runtime, settings: ManufacturingSettings, store: ObjectStore,
             fonts: PinnedFonts) -> None:
    def asker(envelope: Envelope) -> Ask:
        async def ask(message: Message, data: Any) -> Any:
            return await runtime.bus.call(message, data, brand_id=brand_of(envelope),
                                          correlation_id=envelope.correlation_id)
        return ask

    async def export_pack(uow: Uow, envelope: Envelope[ExportPack]) -> WorkOrderView:
        return await handlers.export_pack(uow, settings, asker(envelope), brand_of(envelope),
                                          envelope.data)

    async def regenerate(uow: Uow, envelope: Envelope[RegenerateWorkOrder]) -> WorkOrderView:
        return await handlers.regenerate(uow, asker(envelope), brand_of(envelope),
                                         envelope.data.work_order_id)

    async def get(envelope: Envelope[GetWorkOrder]) -> WorkOrderView:
        return await handlers.work_order(runtime.uow(), brand_of(envelope),
                                         envelope.data.work_order_id)

    async def set_profile(uow: Uow, envelope: Envelope[OutputProfile]) -> OutputProfile:
        return await handlers.set_profile(uow, brand_of(envelope), envelope.data)

    async def set_product_profile(uow: Uow, envelope: Envelope[SetProductProfile]
                                  ) -> ProductProfile:
        return await handlers.set_product_profile(uow, brand_of(envelope), envelope.data)

    async def profiles(envelope: Envelope[ListProfiles]) -> ProfileList:
        return await handlers.profiles(runtime.uow(), brand_of(envelope))

    async def on_job(uow: Uow, envelope: Envelope[ExportJob]) -> None:
        await handlers.export_job(uow, runtime.uow, settings, store, fonts, brand_of(envelope),
                                  envelope)

    async def on_given_up(uow: Uow, envelope: Envelope[ExportJob], reason: str,
                          poison: bool) -> None:
        await handlers.give_up(uow, brand_of(envelope), envelope, reason)

    async def on_order_paid(uow: Uow, envelope: Envelope[OrderPaid]) -> None:
        await handlers.produce_items(uow, settings, asker(envelope), brand_of(envelope),
                                     envelope.data.order_id, envelope.data.items)

    async def on_item_released(uow: Uow, envelope: Envelope[ItemReleased]) -> None:
        await handlers.produce_items(uow, settings, asker(envelope), brand_of(envelope),
                                     envelope.data.order_id, [envelope.data.item])

    async def bundles(envelope: Envelope[GetBundles]) -> BundleList:
        return await handlers.bundles_of(runtime.uow(), brand_of(envelope),
                                         envelope.data.order_id)

    # a shop order's items are queued by every process (they only queue jobs)
    runtime.bus.consume(ORDER_PAID, ORDER_PAID_CONSUMER, on_order_paid)
    runtime.bus.consume(ITEM_RELEASED, ITEM_RELEASED_CONSUMER, on_item_released)
    runtime.bus.serve(GET_BUNDLES, bundles)
    if settings.export_jobs:
        runtime.bus.consume(MANUFACTURING_EXPORT, EXPORT_CONSUMER, on_job, on_given_up,
                            concurrency=settings.job_concurrency)
    runtime.bus.serve_command(EXPORT_PACK, export_pack)
    runtime.bus.serve_command(REGENERATE_WORK_ORDER, regenerate)
    runtime.bus.serve(GET_WORK_ORDER, get)
    runtime.bus.serve_command(SET_PROFILE, set_profile)
    runtime.bus.serve_command(SET_PRODUCT_PROFILE, set_product_profile)
    runtime.bus.serve(LIST_PROFILES, profiles)
