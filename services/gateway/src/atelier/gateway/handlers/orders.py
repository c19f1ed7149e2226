"""The brand's orders: listed, read, a held item released; which shop product is which Atelier
product."""

from datetime import datetime

from atelier.contracts.catalog import (
    GET_ORDER,
    LIST_ORDERS,
    MAP_PRODUCT,
    MARK_SHIPPED,
    RELEASE_ITEM,
)
from atelier.contracts.commerce import (
    GetOrder,
    ListOrders,
    MapProduct,
    MarkShipped,
    Order,
    OrderList,
    OrderStatus,
    ProductMapping,
    ReleaseItem,
    Shipment,
)
from atelier.gateway.auth import Caller
from atelier.gateway.handlers.bus import call, command
from atelier.kit.runtime import Runtime


async def orders(runtime: Runtime, caller: Caller, status: OrderStatus | None,
                 before: datetime | None, limit: int) -> OrderList:
    return await call(runtime, caller, LIST_ORDERS,
                      ListOrders(status=status, before=before, limit=limit))


async def order(runtime: Runtime, caller: Caller, order_id: str) -> Order:
    return await call(runtime, caller, GET_ORDER, GetOrder(order_id=order_id))


async def release_item(runtime: Runtime, caller: Caller, order_id: str, item_id: str,
                       by: str) -> Order:
    return await call(runtime, caller, RELEASE_ITEM,
                      ReleaseItem(order_id=order_id, item_id=item_id, by=by))


async def map_product(runtime: Runtime, caller: Caller, mapping: MapProduct) -> ProductMapping:
    return await call(runtime, caller, MAP_PRODUCT, mapping)


async def ship_order(runtime: Runtime, caller: Caller, order_id: str, shipment: Shipment,
                     by: str) -> Order:
    return await call(runtime, caller, MARK_SHIPPED, command(
        MarkShipped, order_id=order_id, by=by, **shipment.model_dump()))
