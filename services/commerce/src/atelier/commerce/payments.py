"""Stripe, through its official SDK (``stripe.StripeClient``, async, over httpx): the one place
commerce talks to a payment provider. Its failures become problems a client can act on: Stripe
unreachable or overloaded is a 503 with Retry-After, Stripe refusing our request a 502."""

from dataclasses import dataclass
from typing import Protocol

import stripe
from stripe.params import PaymentIntentCreateParams

from atelier.commerce.settings import CommerceSettings
from atelier.contracts import ErrorCode, ErrorItem
from atelier.kit.errors import BadGateway, Unavailable


@dataclass(frozen=True)
class Intent:
    id: str
    amount_minor: int
    currency: str  # upper case, as Atelier writes currencies (Stripe's are lower case)
    client_secret: str
    status: str


class Payments(Protocol):
    async def create_intent(self, *, amount_minor: int, currency: str, metadata: dict[str, str],
                            idempotency_key: str, email: str | None) -> Intent: ...


def _failed(message: str) -> list[ErrorItem]:
    return [ErrorItem(field="payment", code=ErrorCode.PAYMENT_PROVIDER_FAILED, message=message)]


class StripePayments:
    def __init__(self, secret_key: str, settings: CommerceSettings) -> None:
        self.client = stripe.StripeClient(
            secret_key, base_addresses={"api": settings.stripe_api_base},
            http_client=stripe.HTTPXClient(timeout=settings.stripe_timeout_s),
            # a request lost on the way is sent once more under its idempotency key: Stripe
            # answers it with the first PaymentIntent
            max_network_retries=1)

    async def create_intent(self, *, amount_minor: int, currency: str, metadata: dict[str, str],
                            idempotency_key: str, email: str | None) -> Intent:
        params: PaymentIntentCreateParams = {
            "amount": amount_minor, "currency": currency.lower(), "metadata": metadata,
            "automatic_payment_methods": {"enabled": True}}
        if email:
            params["receipt_email"] = email
        try:
            intent = await self.client.v1.payment_intents.create_async(
                params, {"idempotency_key": idempotency_key})
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise Unavailable("Stripe could not be reached; try again with the same "
                              "Idempotency-Key.", _failed(str(exc.user_message or exc)),
                              retry_after_s=5) from exc
        except stripe.APIError as exc:  # Stripe's own fault (a 5xx)
            raise Unavailable("Stripe failed; try again with the same Idempotency-Key.",
                              _failed(str(exc.user_message or exc)), retry_after_s=5) from exc
        except stripe.StripeError as exc:  # Stripe refused what we asked: ours to fix
            raise BadGateway("Stripe refused the payment intent.",
                             _failed(str(exc.user_message or exc))) from exc
        return Intent(id=intent.id, amount_minor=intent.amount,
                      currency=intent.currency.upper(), client_secret=intent.client_secret or "",
                      status=intent.status)


def from_settings(settings: CommerceSettings) -> Payments | None:
    """Stripe when the service has a secret key, else none (payments not configured)."""
    key = settings.stripe_secret_key
    return StripePayments(key.get_secret_value(), settings) if key else None
