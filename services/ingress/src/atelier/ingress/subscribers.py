"""Bus entrypoints: the brands' connection of their shops (through the gateway), the Stripe
PaymentIntents commerce makes."""

from atelier.contracts import Envelope
from atelier.contracts.catalog import CONNECT_SHOPIFY, PAYMENT_INTENT_CREATED
from atelier.contracts.commerce import PaymentIntentCreated
from atelier.contracts.ingress import ConnectShopify, ShopifyConnection
from atelier.ingress import handlers
from atelier.ingress.repository import IngressRepository
from atelier.kit.broker import brand_of
from atelier.kit.outbox import UnitOfWork
from atelier.kit.runtime import Runtime


def register(runtime: Runtime) -> None:
    async def connect(
        uow: UnitOfWork[IngressRepository], envelope: Envelope[ConnectShopify]
    ) -> ShopifyConnection:
        return await handlers.connect_shopify(uow, brand_of(envelope), envelope.data)

    async def intent_created(
        uow: UnitOfWork[IngressRepository], envelope: Envelope[PaymentIntentCreated]
    ) -> None:
        await handlers.remember_intent(uow, brand_of(envelope), envelope.data)

    runtime.bus.serve_command(CONNECT_SHOPIFY, connect)
    runtime.bus.consume(PAYMENT_INTENT_CREATED, "stripe-intents", intent_created)
