"""The brand's connections to its stores: a Shopify shop whose webhooks Atelier verifies."""

from atelier.contracts.catalog import CONNECT_SHOPIFY
from atelier.contracts.ingress import ConnectShopify, ShopifyConnection
from atelier.gateway.auth import Caller
from atelier.gateway.handlers.bus import call
from atelier.kit.runtime import Runtime


async def connect_shopify(runtime: Runtime, caller: Caller, shop: ConnectShopify
                          ) -> ShopifyConnection:
    return await call(runtime, caller, CONNECT_SHOPIFY, shop)
