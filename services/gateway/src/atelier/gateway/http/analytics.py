"""The widget's analytics: its events in batches (``POST /v1/widget/events``) and the brand's
funnel (``GET /v1/admin/analytics/funnel``)."""

from typing import Annotated, Any

from litestar import Response, get, post
from litestar.openapi.spec import Example
from litestar.params import JSONBody, QueryParameter

from atelier.contracts.analytics import Funnel, WidgetEventBatch
from atelier.contracts.types import ID_EXAMPLE, ID_MAX_LENGTH, ID_PATTERN
from atelier.gateway import auth, openapi, schemas
from atelier.gateway.bodies import PLAIN_TEXT_JSON
from atelier.gateway.handlers import analytics as handlers
from atelier.gateway.http.common import (
    ADMIN,
    INSTANT,
    KEYED,
    WITH_BODY,
    AppRuntime,
    KeyCaller,
    instant,
    json_response,
)

# the widget's key, as on every widget route, or (navigator.sendBeacon cannot set a header) in
# the URL; its body JSON, or the same JSON as text/plain (a beacon's)
BEACON: dict[str, Any] = {"opt": {**auth.requires(auth.widget_beacon), PLAIN_TEXT_JSON: True},
          "security": [{openapi.WIDGET_KEY: []}, {openapi.SECRET_KEY: []}]}
KEY_PATTERN = r"^pk_[A-Za-z0-9_-]{1,64}$"


@post("/v1/widget/events", **BEACON, status_code=202, responses=WITH_BODY)
async def record_events(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[WidgetEventBatch],
    key: Annotated[str | None, QueryParameter(
        description="the publishable key, for navigator.sendBeacon, which cannot send the "
        "X-Atelier-Key header (the header wins when both are sent)", pattern=KEY_PATTERN,
        examples=[Example(value="pk_0123456789abcdefABCDEF_-xyzabcd")])] = None,
) -> Response[schemas.EventsAccepted]:
    """A batch of the widget's analytics events (at most 50), stored for the brand's funnel.
    The body may be sent as `text/plain` (a beacon's)."""
    del key  # read by the key check (auth.widget_beacon)
    accepted = await handlers.record_events(runtime, caller, data)
    return json_response(schemas.EventsAccepted(accepted=accepted), 202)


Instant = Annotated[str | None, QueryParameter(
    pattern=INSTANT, max_length=40, examples=[Example(value="2026-12-01T00:00:00+00:00")])]


@get("/v1/admin/analytics/funnel", **ADMIN, responses=KEYED)
async def funnel(
    runtime: AppRuntime, caller: KeyCaller,
    product_id: Annotated[str | None, QueryParameter(
        description="one product (all of the brand's when absent)", min_length=1,
        max_length=ID_MAX_LENGTH, pattern=ID_PATTERN,
        examples=[Example(value=ID_EXAMPLE)])] = None,
    since: Instant = None,
    until: Instant = None,
) -> Response[Funnel]:
    """The widget's funnel over the events received from `since` (default: 30 days before
    `until`) to `until` (default: now): per step, in order (widget_loaded, preview_requested,
    preview_ready, snapshot_created, add_to_cart_clicked), the distinct sessions that sent it,
    those that also sent every earlier step, and the conversion from the step before; and the
    validation failures by code."""
    return json_response(await handlers.funnel(
        runtime, caller, product_id, instant(since, "since"), instant(until, "until")))
