"""The webhook ingress: providers' deliveries, verified and recorded, handed on as one event."""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from atelier.contracts.types import Id, Line

# Shopify's shop domains: ``{handle}.myshopify.com``, the only domain its webhooks name
SHOP_DOMAIN_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com$"
ShopDomain = Annotated[str, Field(pattern=SHOP_DOMAIN_PATTERN, max_length=80,
                                  examples=["atelier-demo.myshopify.com"])]
# a shared secret as the provider shows it (Shopify's app secret: 32+ hex or shpss_ tokens)
Secret = Annotated[str, Field(min_length=16, max_length=256, pattern=r"^[\x21-\x7e]+$")]


class WebhookSource(StrEnum):
    SHOPIFY = "shopify"
    STRIPE = "stripe"


class WebhookReceived(BaseModel):
    """A provider's delivery, verified and stored: one per provider event, whatever the number
    of deliveries (a duplicate is answered and dropped), once more when an operator replays it.

    The payload is the provider's JSON as signed; the brand was found from the shop domain
    (Shopify) or from the metadata Atelier set on the payment (Stripe), never from the body's
    own claims."""

    delivery_id: Id = Field(description="the stored delivery (ingress's row)")
    source: WebhookSource
    topic: Line = Field(max_length=255, description="orders/paid, payment_intent.succeeded…")
    event_id: Line = Field(max_length=255, description="the provider's event id")
    shop_domain: str | None = Field(default=None, description="Shopify: the shop it came from")
    payload: dict[str, Any]
    replayed: bool = Field(default=False, description="an operator handed it on again")


class ConnectShopify(BaseModel):
    """Connect a Shopify shop to the calling brand: its webhooks are verified with ``secret``
    (the app's client secret) and, during a rotation, with ``previous_secret`` too."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"shop_domain": "atelier-demo.myshopify.com", "secret": "shpss_0123456789abcdef"}]})

    shop_domain: ShopDomain
    secret: Secret
    previous_secret: Secret | None = None


class ShopifyConnection(BaseModel):
    """A connected shop, as its brand sees it (never its secrets)."""

    shop_domain: ShopDomain
    brand_id: Id
    rotating: bool = Field(description="a previous secret is still accepted")
