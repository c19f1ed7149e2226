"""Renders: a preview of the design the shopper is typing, its status, and server-sent events of
a render's or a snapshot's preview status, so the widget never polls."""

from collections.abc import AsyncIterator
from typing import Annotated

from litestar import Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import JSONBody, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from atelier.contracts.render import ImageFormat, RenderKind
from atelier.gateway import schemas
from atelier.gateway.handlers import renders as handlers
from atelier.gateway.http.common import (
    KEYED,
    WIDGET,
    WITH_BODY,
    AppRuntime,
    KeyCaller,
    PathId,
    SpecHash,
    json_response,
)
from atelier.gateway.openapi import linked
from atelier.gateway.settings import GatewaySettings
from atelier.gateway.watch import RenderWatch

Watch = NamedDependency[RenderWatch]  # provided by create_app
RENDER = {"render_id": "$response.body#/id"}
EVENT_STREAM = "text/event-stream"


def events_response(
    event: type[schemas.RenderEvent | schemas.PreviewEvent], description: str, example: str
) -> dict[int, ResponseSpec]:
    """An event stream, documented by the schema of each of its events."""
    return {200: ResponseSpec(
        event, description=description, media_type=EVENT_STREAM, generate_examples=False,
        examples=[Example(summary="pending, then ready", value=example)])}


RENDER_EVENTS = events_response(
    schemas.RenderEvent,
    "Server-sent events, each named by the render's status (`pending`, `ready`, `failed`) with "
    "the render as JSON: the status now first, then each change; the stream ends once the render "
    "is ready or failed. Comments (`: keep-alive`) keep a quiet stream open.",
    'event: pending\ndata: {"id":"…","status":"pending","assets":[…]}\n\n'
    'event: ready\ndata: {"id":"…","status":"ready","assets":[{"kind":"mockup","view":"front",'
    '"status":"ready","url":"/v1/assets/renders/…/mockup-front.jpg"}]}\n\n',
)
SNAPSHOT_EVENTS = events_response(
    schemas.PreviewEvent,
    "Server-sent events of the snapshot's preview, each named by its status (`pending`, "
    "`ready`, `failed`) with the preview as JSON: the status now first, then each change; the "
    "stream ends once it is ready or failed.",
    'event: pending\ndata: {"status":"pending"}\n\n'
    'event: ready\ndata: {"status":"ready","url":"/v1/assets/renders/…/mockup-front.jpg"}\n\n',
)


def _stream(states: AsyncIterator[schemas.Render | schemas.Preview | None]) -> ServerSentEvent:
    async def messages() -> AsyncIterator[ServerSentEventMessage]:
        async for state in states:
            if state is None:
                yield ServerSentEventMessage(comment="keep-alive", data=None)
            else:
                yield ServerSentEventMessage(data=state.model_dump_json(),
                                             event=state.status.value)

    # no buffering proxy between the render and the widget
    return ServerSentEvent(messages(), headers={"Cache-Control": "no-store",
                                                "X-Accel-Buffering": "no"})


def _limits(state: State) -> dict[str, float]:
    settings: GatewaySettings = state.settings
    return {"limit_s": settings.events_limit_s, "keepalive_s": settings.events_keepalive_s}


@post("/v1/renders/preview", **WIDGET, status_code=200, responses=WITH_BODY,
      operation_class=linked(200, render=("render", RENDER),
                             events=("render_events", RENDER)))
async def preview(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.Design],
    image_format: Annotated[ImageFormat | None, QueryParameter(
        name="format", description="of the mockup; without it, JPEG",
        examples=[Example(value="webp")])] = None,
    kind: Annotated[RenderKind, QueryParameter(
        description="what to render: the first view's mockup (the default) or thumbnail, the "
        "first zone's texture, or the product's 3D model as a GLB (web viewers, Android) or "
        "a USDZ (iOS AR Quick Look), for a product that has one",
        examples=[Example(value="glb")])] = RenderKind.MOCKUP,
) -> Response[schemas.Render]:
    """Validate a design that is not saved and render it: the mockup of its first view unless
    another kind is asked for. The render is named by the design's spec hash: the same design
    again is answered from the cache, ready at once, and never drawn twice. Follow it with
    `GET /v1/renders/{id}/events`. Safe to repeat: no Idempotency-Key needed."""
    return json_response(await handlers.preview(runtime, caller, data, image_format, kind))


@get("/v1/renders/{render_id:str}", **WIDGET, responses=KEYED)
async def render(
    runtime: AppRuntime, caller: KeyCaller, render_id: SpecHash
) -> Response[schemas.Render]:
    """A render's status and, once ready, its assets' URLs."""
    return json_response(await handlers.render(runtime, caller, render_id))


@get("/v1/renders/{render_id:str}/events", **WIDGET, responses={**KEYED, **RENDER_EVENTS},
     media_type=EVENT_STREAM)
async def render_events(
    runtime: AppRuntime, caller: KeyCaller, render_id: SpecHash, state: State, watch: Watch
) -> ServerSentEvent:
    """The render's status as server-sent events until it is ready or failed."""
    return _stream(await handlers.render_events(runtime, watch, caller, render_id,
                                                **_limits(state)))


@get("/v1/snapshots/{snapshot_id:str}/events", **WIDGET,
     responses={**KEYED, **SNAPSHOT_EVENTS}, media_type=EVENT_STREAM)
async def snapshot_events(
    runtime: AppRuntime, caller: KeyCaller, snapshot_id: PathId, state: State, watch: Watch
) -> ServerSentEvent:
    """The snapshot's preview status as server-sent events until it is ready or failed."""
    return _stream(await handlers.snapshot_events(runtime, watch, caller, snapshot_id,
                                                  **_limits(state)))
