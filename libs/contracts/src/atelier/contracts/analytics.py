"""The widget's analytics: what a shopper's widget did, sent in batches, and the brand's funnel.

The widget posts batches of events to the gateway (``POST /v1/widget/events``); the gateway
hands each batch on as ``evt.gateway.widget_events.received`` (its outbox: nothing accepted is
lost), and personalization, which owns products and the widget's configuration, stores them per
brand and answers the funnel (``rpc.personalization.funnel``).

Everything here is shopper input: every field is bounded, so that a batch is at most a few tens
of kilobytes whoever sends it.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from atelier.contracts.types import ID_EXAMPLE, INTEGRAL, NO_CONTROLS, ONLY_PATTERN_KEYS, Finite, Id

MAX_EVENTS = 50  # a batch
MAX_PROPS = 16  # an event's properties
PROP_VALUE_MAX = 128  # characters of a property's text
PROP_NUMBER_MAX = 1e15  # |a property's number|: exact in a double, and in the widget's JS
SESSION_PATTERN = r"^[\x21-\x7e]+$"  # opaque, printable ASCII without spaces
PROP_KEY = r"^[a-z][a-z0-9_]{0,31}$"


class WidgetEventName(StrEnum):
    """What the widget reports; the first five in funnel order, ``validation_failed`` beside."""

    WIDGET_LOADED = "widget_loaded"
    PREVIEW_REQUESTED = "preview_requested"
    PREVIEW_READY = "preview_ready"
    SNAPSHOT_CREATED = "snapshot_created"
    ADD_TO_CART_CLICKED = "add_to_cart_clicked"
    VALIDATION_FAILED = "validation_failed"


# the funnel's steps, in order: a session counts at a step when it reached it and every earlier one
FUNNEL_STEPS: tuple[WidgetEventName, ...] = (
    WidgetEventName.WIDGET_LOADED,
    WidgetEventName.PREVIEW_REQUESTED,
    WidgetEventName.PREVIEW_READY,
    WidgetEventName.SNAPSHOT_CREATED,
    WidgetEventName.ADD_TO_CART_CLICKED,
)
CODE_PROP = "code"  # the error code a validation_failed event carries in its props



def _one_error(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A property refused is one error at its key, not one per kind of value it is not."""
    try:
        return handler(value)
    except ValidationError:
        raise PydanticCustomError(
            "prop_value", "A property is a text of at most {max} characters without control "
            "characters, or a finite number within ±1e15.", {"max": PROP_VALUE_MAX}) from None


PropKey = Annotated[str, Field(pattern=PROP_KEY)]
PropValue = Annotated[
    # strict: true is not 1, nor "1" a number (the schema says so too)
    Annotated[str, Field(strict=True, max_length=PROP_VALUE_MAX, pattern=NO_CONTROLS)]
    | Annotated[int, Field(strict=True, ge=-PROP_NUMBER_MAX, le=PROP_NUMBER_MAX), INTEGRAL]
    | Annotated[Finite, Field(strict=True, ge=-PROP_NUMBER_MAX, le=PROP_NUMBER_MAX)],
    WrapValidator(_one_error)]
SessionId = Annotated[str, Field(min_length=1, max_length=64, pattern=SESSION_PATTERN,
                                 examples=["c5b0a7e2-3f1d-4f7a-9b6e-0d2c4e8f1a3b"])]

EXAMPLE_EVENT: dict[str, Any] = {
    "name": "validation_failed", "product_id": ID_EXAMPLE,
    "session_id": "c5b0a7e2-3f1d-4f7a-9b6e-0d2c4e8f1a3b", "at": "2026-12-07T15:04:05.123Z",
    "props": {"code": "too_long", "zone": "name"},
}


class WidgetEvent(BaseModel):
    """One thing a shopper's widget did. ``at`` is the shopper's clock (kept for the order of a
    session's events; the funnel's window is on the server's clock, see ``StoredEvent``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_EVENT]})

    name: WidgetEventName
    product_id: Id
    session_id: SessionId
    at: AwareDatetime = Field(description="ISO 8601 with its offset (Date.toISOString())")
    props: dict[PropKey, PropValue] = Field(
        default_factory=dict, max_length=MAX_PROPS, json_schema_extra=ONLY_PATTERN_KEYS,
        description=f"a flat map of at most {MAX_PROPS} short texts or numbers "
                    f"(validation_failed: its error code under {CODE_PROP!r})")


class WidgetEventBatch(BaseModel):
    """What the widget posts: a batch of its events."""

    model_config = ConfigDict(extra="forbid",
                              json_schema_extra={"examples": [{"events": [EXAMPLE_EVENT]}]})

    events: list[WidgetEvent] = Field(min_length=1, max_length=MAX_EVENTS)


class WidgetEventsReceived(BaseModel):
    """A batch the gateway accepted for the brand of the envelope."""

    model_config = ConfigDict(extra="forbid")

    events: list[WidgetEvent] = Field(min_length=1, max_length=MAX_EVENTS)
    received_at: AwareDatetime = Field(description="the gateway's clock")


def _in_our_era(instant: datetime) -> datetime:
    # years far off cannot even be turned to UTC (year 1 at +01:00), nor held by PostgreSQL
    if not FIRST_YEAR <= instant.year <= LAST_YEAR:
        raise ValueError(f"give an instant between the years {FIRST_YEAR} and {LAST_YEAR}")
    return instant


FIRST_YEAR, LAST_YEAR = 1970, 9998
Instant = Annotated[AwareDatetime, AfterValidator(_in_our_era)]


class GetFunnel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: Id | None = Field(default=None, description="one product; every one when absent")
    since: Instant
    until: Instant

    @model_validator(mode="after")
    def _window(self) -> "GetFunnel":
        if self.since >= self.until:
            raise ValueError("since must be before until")
        return self


class FunnelStep(BaseModel):
    name: WidgetEventName
    sessions: int = Field(description="distinct sessions that sent this event in the window")
    funnel_sessions: int = Field(
        description="of those, the sessions that also sent every earlier step's event")
    conversion: float | None = Field(
        description="funnel_sessions / the previous step's funnel_sessions (none for the first "
                    "step, or when the previous step had no session)")


class ValidationFailures(BaseModel):
    code: str = Field(description="the error code the widget showed (props.code), or 'unknown'")
    events: int
    sessions: int


class Funnel(BaseModel):
    product_id: str | None
    since: datetime
    until: datetime
    steps: list[FunnelStep] = Field(description="in funnel order")
    validation_failed: list[ValidationFailures] = Field(
        description="by code, the most frequent first (at most 50 codes)")
    overall_conversion: float | None = Field(
        description="sessions that added to the cart through every step / sessions that loaded "
                    "the widget")
