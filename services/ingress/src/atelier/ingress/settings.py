from typing import ClassVar

from pydantic import Field, IPvAnyNetwork, SecretStr

from atelier.kit.settings import ServiceSettings


class IngressSettings(ServiceSettings):
    service: ClassVar[str] = "ingress"
    http_port: int = 8010
    ops_port: int | None = 8110  # health, metrics and /schema: not on the public port
    max_body_bytes: int = Field(
        default=2_000_000, ge=1024,
        description="a webhook body larger than this is refused (413) unread",
    )
    stripe_webhook_secrets: list[SecretStr] = Field(
        default=[],
        description="the Stripe endpoint's signing secrets (whsec_…): two while rotating; none "
        "refuses every Stripe delivery",
    )
    stripe_tolerance_s: int = Field(
        default=300, ge=1,
        description="how old (or far ahead) a Stripe signature's timestamp may be",
    )
    shopify_networks: list[IPvAnyNetwork] = Field(
        default=[], description="if any, Shopify deliveries from other addresses are refused (403)")
    stripe_networks: list[IPvAnyNetwork] = Field(
        default=[], description="if any, Stripe deliveries from other addresses are refused (403)")
