"""The brand's orders (from its shops' webhooks), and its shop products mapped to Atelier's."""

from typing import Annotated

from litestar import Response, get, post, put
from litestar.openapi.spec import Example
from litestar.params import JSONBody, QueryParameter

from atelier.contracts.commerce import (
    MapProduct,
    Order,
    OrderList,
    OrderStatus,
    ProductMapping,
    Shipment,
)
from atelier.gateway.handlers import orders as handlers
from atelier.gateway.http.common import (
    ADMIN,
    IDEMPOTENT,
    INSTANT,
    KEYED,
    WITH_BODY,
    AppRuntime,
    KeyCaller,
    PathId,
    instant,
    json_response,
    problems,
)
from atelier.gateway.http.idempotency import OncePerKey


@get("/v1/orders", **ADMIN, responses=KEYED)
async def orders(
    runtime: AppRuntime, caller: KeyCaller,
    status: Annotated[OrderStatus | None, QueryParameter(
        description="only orders in this status", examples=[Example(value="paid")])] = None,
    before: Annotated[str | None, QueryParameter(
        description="only orders created before this instant, ISO 8601 with its offset (the "
        "previous page's next_before)", pattern=INSTANT, max_length=40,
        examples=[Example(value="2026-12-07T10:14:03.123456+00:00")])] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=200, description="at most this many",
                                         examples=[Example(value=50)])] = 50,
) -> Response[OrderList]:
    """The brand's orders, newest first, with their items and timelines."""
    return json_response(await handlers.orders(runtime, caller, status,
                                               instant(before, "before"), limit))


@get("/v1/orders/{order_id:str}", **ADMIN, responses=KEYED)
async def order(runtime: AppRuntime, caller: KeyCaller, order_id: PathId) -> Response[Order]:
    """An order: its items (each with its snapshot, status and, when held, the reason) and its
    timeline."""
    return json_response(await handlers.order(runtime, caller, order_id))


@post("/v1/orders/{order_id:str}/items/{item_id:str}/release", **ADMIN, status_code=200,
      responses={**KEYED, **problems(409)})
async def release_item(
    runtime: AppRuntime, caller: KeyCaller, order_id: PathId, item_id: PathId, once: OncePerKey
) -> Response[Order]:
    """A held item a person has checked goes to production with its snapshot (locked). An item
    whose snapshot is not the brand's cannot be released (422)."""
    return await once(lambda: handlers.release_item(runtime, caller, order_id, item_id,
                                                    caller.actor))


@post("/v1/orders/{order_id:str}/ship", **ADMIN, status_code=200,
      responses={**IDEMPOTENT, **problems(409)})
async def ship_order(
    runtime: AppRuntime, caller: KeyCaller, order_id: PathId, data: JSONBody[Shipment],
    once: OncePerKey,
) -> Response[Order]:
    """Mark a paid order shipped, with its carrier, tracking number and tracking page (for a
    shop that sends no fulfillment webhook): the shopper gets the shipping email. An order
    shipped already, cancelled or refunded cannot be (422 `invalid_transition`)."""
    return await once(lambda: handlers.ship_order(runtime, caller, order_id, data,
                                                  caller.actor), data)


@put("/v1/admin/integrations/shopify/products", **ADMIN, responses=WITH_BODY)
async def map_product(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[MapProduct]
) -> Response[ProductMapping]:
    """Say which Atelier product a Shopify product is: its order lines must carry a snapshot of
    that product (`_atelier_snapshot`), or they are held."""
    return json_response(await handlers.map_product(runtime, caller, data))
