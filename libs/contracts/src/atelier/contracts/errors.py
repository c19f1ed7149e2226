"""Errors in one shape on HTTP (RFC 9457 problem details), on the bus and in the widget."""

from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

DataT = TypeVar("DataT")


class ErrorCode(StrEnum):
    """Stable, documented error codes. Never renamed; new ones are added."""

    # request shape
    MALFORMED_JSON = "malformed_json"
    INVALID_FIELD = "invalid_field"
    BODY_TOO_LARGE = "body_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    # authentication and tenancy
    MISSING_API_KEY = "missing_api_key"
    INVALID_API_KEY = "invalid_api_key"
    WRONG_KEY_KIND = "wrong_key_kind"
    INVALID_TOKEN = "invalid_token"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    ORIGIN_NOT_ALLOWED = "origin_not_allowed"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    # idempotency
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"
    # zone values
    REQUIRED = "required"
    TOO_LONG = "too_long"
    CHARACTER_NOT_ALLOWED = "character_not_allowed"
    UNKNOWN_ZONE = "unknown_zone"
    TOO_MANY_LINES = "too_many_lines"
    DOES_NOT_FIT = "does_not_fit"
    GLYPH_MISSING = "glyph_missing"
    INVISIBLE_CHARACTER = "invisible_character"
    CONTROL_CHARACTER = "control_character"
    BIDI_CONTROL = "bidi_control"
    UNPAIRED_SURROGATE = "unpaired_surrogate"
    BLOCKED_WORD = "blocked_word"
    FONT_NOT_ALLOWED = "font_not_allowed"
    COLOUR_NOT_ALLOWED = "colour_not_allowed"
    SIZE_OUT_OF_RANGE = "size_out_of_range"
    # products, templates, fonts
    INVALID_FONT_FILE = "invalid_font_file"
    FONT_TOO_LARGE = "font_too_large"
    FONT_NOT_DRAWABLE = "font_not_drawable"  # a font, but its outlines recurse or explode
    INVALID_IMAGE = "invalid_image"  # not a PNG, JPEG or WebP, or damaged (truncated, corrupt)
    IMAGE_TOO_MANY_PIXELS = "image_too_many_pixels"  # past the side or area limit, bombs too
    INVALID_MODEL = "invalid_model"  # not a self-contained glTF 2.0 binary, or names no zone
    MODEL_TOO_LARGE = "model_too_large"  # past the bytes, triangles or texture size allowed
    # specs and snapshots
    SPEC_INVALID = "spec_invalid"
    SPEC_HASH_MISMATCH = "spec_hash_mismatch"
    INVALID_TRANSITION = "invalid_transition"
    # webhooks
    INVALID_SIGNATURE = "invalid_signature"  # not signed by the provider with a secret we hold
    NETWORK_NOT_ALLOWED = "network_not_allowed"  # from outside the provider's allow-list
    # production
    SNAPSHOT_NOT_VALIDATED = "snapshot_not_validated"  # only validated or locked ones are made
    UNKNOWN_PROFILE = "unknown_profile"
    NOT_REGENERABLE = "not_regenerable"  # a work order still pending or generating
    DOWNLOAD_LINK_EXPIRED = "download_link_expired"
    DOWNLOAD_LINK_INVALID = "download_link_invalid"  # altered, or not signed by this platform
    # emails
    SENDER_DOMAIN_NOT_ALLOWED = "sender_domain_not_allowed"  # not among the platform's domains
    UNSUBSCRIBE_LINK_INVALID = "unsubscribe_link_invalid"  # altered, or not signed by us
    # infrastructure
    PRICE_MISSING = "price_missing"  # a product sold without a price set
    CURRENCY_MISMATCH = "currency_mismatch"  # one payment, several currencies
    NOTHING_TO_PAY = "nothing_to_pay"  # a total of zero, or beyond what a payment may be
    PAYMENTS_NOT_CONFIGURED = "payments_not_configured"  # no Stripe key on this installation
    PAYMENT_PROVIDER_FAILED = "payment_provider_failed"  # Stripe unreachable, failing, refusing
    UNAVAILABLE = "unavailable"
    CONFLICT = "conflict"
    # the HTTP exchange itself
    METHOD_NOT_ALLOWED = "method_not_allowed"
    REQUEST_TIMEOUT = "request_timeout"


class ErrorItem(BaseModel):
    field: str = Field(description="the offending field, or the zone key for a zone value")
    code: ErrorCode
    message: str = Field(description="a sentence a person can act on")
    position: int | None = Field(
        default=None, description="grapheme index in the input where the error applies"
    )


class Problem(BaseModel):
    """RFC 9457 problem details with Atelier's ``errors`` list."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[ErrorItem] = Field(default_factory=list)
    retry_after_s: int | None = Field(
        default=None, ge=0,
        description="when to try again (seconds), for a refusal that will pass: over capacity, "
        "rate limited (HTTP sends it as Retry-After)",
    )


class RpcReply(BaseModel, Generic[DataT]):
    """The reply to every ``rpc.*`` request: either ``data`` (the request's reply model) or a
    ``problem``."""

    ok: bool
    data: DataT | None = None
    problem: Problem | None = None
