"""Prices of the brand's products, and the shopper's payments through Stripe (commerce makes the
PaymentIntent and prices it: the gateway only checks who asks and what for)."""

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.catalog import CREATE_PAYMENT_INTENT, GET_PRICE, GET_PRODUCT, SET_PRICE
from atelier.contracts.commerce import (
    CreatePaymentIntent,
    GetPrice,
    PaymentIntentView,
    Price,
    ProductPrice,
    SetPrice,
)
from atelier.contracts.personalization import GetProduct, Product
from atelier.gateway.auth import Caller
from atelier.gateway.handlers.bus import call
from atelier.kit.errors import Invalid
from atelier.kit.runtime import Runtime


async def set_price(runtime: Runtime, caller: Caller, product_id: str, price: ProductPrice
                    ) -> Price:
    """The product must be the brand's, and each surcharge name one of its zones (a surcharge
    of a zone it does not have would never be charged)."""
    product: Product = await call(runtime, caller, GET_PRODUCT, GetProduct(product_id=product_id))
    zones = {zone.key for zone in product.zones}
    unknown = sorted(set(price.zone_surcharges) - zones)
    if unknown:
        raise Invalid("A surcharge names a zone the product does not have.", [ErrorItem(
            field=f"zone_surcharges.{key}", code=ErrorCode.UNKNOWN_ZONE,
            message=f"The product's zones are: {', '.join(sorted(zones)) or 'none'}.")
            for key in unknown])
    return await call(runtime, caller, SET_PRICE,
                      SetPrice(product_id=product_id, **price.model_dump()))


async def price(runtime: Runtime, caller: Caller, product_id: str) -> Price:
    return await call(runtime, caller, GET_PRICE, GetPrice(product_id=product_id))


async def create_payment_intent(runtime: Runtime, caller: Caller, request: CreatePaymentIntent
                                ) -> PaymentIntentView:
    return await call(runtime, caller, CREATE_PAYMENT_INTENT, request)
