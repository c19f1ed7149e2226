"""The brand's store connections, administered."""

from litestar import Response, put
from litestar.params import JSONBody

from atelier.contracts.ingress import ConnectShopify, ShopifyConnection
from atelier.gateway.handlers import integrations as handlers
from atelier.gateway.http.common import (
    ADMIN,
    WITH_BODY,
    AppRuntime,
    KeyCaller,
    json_response,
    problems,
)


@put("/v1/admin/integrations/shopify", **ADMIN, responses={**WITH_BODY, **problems(409)})
async def connect_shopify(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[ConnectShopify]
) -> Response[ShopifyConnection]:
    """Connect a Shopify shop to the brand, or give it a new secret: its webhooks
    (``/v1/webhooks/shopify/{topic}`` on the ingress service) are verified with ``secret`` and,
    while a rotation lasts, ``previous_secret``. A shop connected to another brand is a 409."""
    return json_response(await handlers.connect_shopify(runtime, caller, data))
