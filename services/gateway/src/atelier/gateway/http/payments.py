"""Prices of the brand's products (admin), and the shopper's Stripe payments (widget)."""

from litestar import Response, get, post, put
from litestar.params import JSONBody

from atelier.contracts.commerce import CreatePaymentIntent, PaymentIntentView, Price, ProductPrice
from atelier.gateway.handlers import payments as handlers
from atelier.gateway.http.common import (
    ADMIN,
    IDEMPOTENT,
    KEYED,
    WIDGET,
    WITH_BODY,
    AppRuntime,
    KeyCaller,
    PathId,
    json_response,
    problems,
)
from atelier.gateway.http.idempotency import OncePerKey


@put("/v1/admin/products/{product_id:str}/price", **ADMIN, responses=WITH_BODY)
async def set_price(
    runtime: AppRuntime, caller: KeyCaller, product_id: PathId, data: JSONBody[ProductPrice]
) -> Response[Price]:
    """Set the product's price (minor units of an ISO 4217 currency) and what each
    personalization zone adds when the design fills it."""
    return json_response(await handlers.set_price(runtime, caller, product_id, data))


@get("/v1/admin/products/{product_id:str}/price", **ADMIN, responses=KEYED)
async def price(runtime: AppRuntime, caller: KeyCaller, product_id: PathId) -> Response[Price]:
    return json_response(await handlers.price(runtime, caller, product_id))


@post("/v1/payments/intents", **WIDGET, status_code=201,
      responses={**IDEMPOTENT, **problems(502)})
async def create_payment_intent(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[CreatePaymentIntent], once: OncePerKey
) -> Response[PaymentIntentView]:
    """Pay for the shopper's designs with Stripe: a pending order, priced by Atelier from the
    brand's prices (never from the client), and its PaymentIntent, whose client secret the
    widget confirms with Stripe.js. The order is paid when Stripe's webhook says so. Send an
    Idempotency-Key: a retried request gets the same PaymentIntent, never a second one. Stripe
    unreachable or failing: 503 with Retry-After; payments not configured: 503
    payments_not_configured."""
    return await once(lambda: handlers.create_payment_intent(runtime, caller, data), data, 201)
