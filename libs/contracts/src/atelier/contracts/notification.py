"""Transactional emails (notification service): each brand's email settings, template previews
and the suppression list."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from atelier.contracts.types import ONLY_PATTERN_KEYS, WEB_URL, Email, Line

Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", examples=["#1d3557"])]
HttpsUrl = Annotated[str, Field(max_length=2000, pattern=WEB_URL.replace("https?", "https"),
                                examples=["https://cdn.maison-lune.fr/logo.png"])]
Locale = Annotated[str, Field(pattern=r"^[a-z]{2}$", examples=["fr"])]
TextKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.]{0,63}$")]


class EmailTemplate(StrEnum):
    """The emails of an order's life. ``render_ready`` is optional (off by default, with an
    unsubscribe link); the others are transactional."""

    ORDER_CONFIRMATION = "order_confirmation"
    ORDER_SHIPPED = "order_shipped"
    PRODUCTION_ERROR = "production_error"
    RENDER_READY = "render_ready"


class EmailSettings(BaseModel):
    """What a brand's emails look like and who they come from. The sender's domain must be one
    the platform sends for (its SPF and DKIM are set up there)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "sender_name": "Maison Lune", "sender_address": "orders@maison-lune.fr",
        "reply_to": "bonjour@maison-lune.fr", "operations_address": "atelier@maison-lune.fr",
        "logo_url": "https://cdn.maison-lune.fr/logo.png", "primary_colour": "#1d3557",
        "text_colour": "#222222", "background_colour": "#f4f1ea", "default_locale": "fr",
        "texts": {"fr": {"order_confirmation.intro": "Merci, {name} est entre nos mains."}},
        "render_ready": False}]})

    sender_name: Line = Field(min_length=1, max_length=100)
    sender_address: Email
    reply_to: Email | None = None
    operations_address: Email | None = Field(
        default=None, description="where production errors (and render-ready emails) go")
    logo_url: HttpsUrl | None = None
    primary_colour: Colour = "#1d3557"
    text_colour: Colour = "#222222"
    background_colour: Colour = "#f4f4f4"
    default_locale: Locale = "en"
    texts: dict[Locale, Annotated[dict[TextKey, Annotated[str, Field(max_length=2000)]],
                                  Field(json_schema_extra=ONLY_PATTERN_KEYS)]] = Field(
        default_factory=dict, max_length=10, json_schema_extra=ONLY_PATTERN_KEYS,
        description="the brand's wording, per locale, over the built-in texts (keys as the "
        "preview shows them)")
    render_ready: bool = Field(default=False, strict=True,
                               description="send the optional render-ready email")


class GetEmailSettings(BaseModel):
    pass


class PreviewTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: EmailTemplate
    locale: Locale | None = Field(default=None, description="none: the brand's default locale")


class Preview(BaseModel):
    """A template rendered with sample data, as the brand's shoppers would get it."""

    template: EmailTemplate
    locale: str
    subject: str
    html: str
    text: str


class SuppressionReason(StrEnum):
    BOUNCED = "bounced"  # the receiving server refused the address for good
    UNSUBSCRIBED = "unsubscribed"  # from optional emails, by the link or the header
    MANUAL = "manual"  # a brand admin added it (a complaint, a request)


class Suppression(BaseModel):
    address: str
    reason: SuppressionReason
    created_at: datetime


class SuppressionList(BaseModel):
    suppressions: list[Suppression]


class ListSuppressions(BaseModel):
    pass


class Suppress(BaseModel):
    """No more emails to this address: ``bounced`` stops every email, ``unsubscribed`` and
    ``manual`` the optional ones."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"address": "ada@example.com", "reason": "manual"}]})

    address: Email
    reason: SuppressionReason = SuppressionReason.MANUAL


class Unsuppress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: Email


class Unsubscribe(BaseModel):
    """The signed token of an unsubscribe link (it names the brand and the address)."""

    token: Annotated[str, Field(min_length=1, max_length=1000, pattern=r"^[A-Za-z0-9_.-]+$")]


class Unsubscribed(BaseModel):
    done: bool = True
