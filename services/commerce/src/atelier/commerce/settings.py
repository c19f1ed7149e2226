from typing import ClassVar

from pydantic import Field, SecretStr

from atelier.kit.settings import ServiceSettings


class CommerceSettings(ServiceSettings):
    service: ClassVar[str] = "commerce"
    http_port: int = 8016
    stripe_secret_key: SecretStr | None = Field(
        default=None, description="the Stripe account's secret key (sk_…); none: payment "
        "intents are answered 503 payments_not_configured")
    stripe_api_base: str = Field(
        default="https://api.stripe.com",
        description="where the Stripe API is (tests: a local Stripe-compatible server)")
    stripe_timeout_s: float = Field(
        default=4.0, gt=0, description="one Stripe request's deadline: with its one retry, "
        "inside the rpc handler's (ATELIER_RPC_HANDLER_TIMEOUT_S)")
