"""The providers' endpoints: thin, each a use case of ``handlers``."""

import time
from typing import Annotated, Any

from litestar import Request, Response, post
from litestar.params import Parameter

from atelier.ingress import handlers
from atelier.ingress.settings import IngressSettings
from atelier.kit.runtime import Runtime


def _answer(receipt: handlers.Receipt) -> Response[dict[str, str]]:
    body: dict[str, str] = {"status": receipt.status}
    if receipt.delivery_id:
        body["delivery_id"] = receipt.delivery_id
    if receipt.reason:
        body["reason"] = receipt.reason
    return Response(body, status_code=200)


def routes(runtime: Runtime, settings: IngressSettings) -> list[Any]:
    @post("/v1/webhooks/shopify/{topic:path}", status_code=200)
    async def shopify(
        request: Request[Any, Any, Any],
        topic: Annotated[str, Parameter(description="the webhook's topic: orders/paid…")],
    ) -> Response[dict[str, str]]:
        """A Shopify webhook (``orders/paid``…), its HMAC checked against the shop's secret."""
        body = await request.body()
        peer = request.client.host if request.client else None
        return _answer(await handlers.take_shopify(
            runtime, settings, topic.strip("/"), body, request.headers, peer))

    @post("/v1/webhooks/stripe", status_code=200)
    async def stripe(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
        """A Stripe webhook, its Stripe-Signature checked against the endpoint's secrets."""
        body = await request.body()
        peer = request.client.host if request.client else None
        return _answer(await handlers.take_stripe(
            runtime, settings, body, request.headers, peer, time.time()))

    return [shopify, stripe]
