"""Renders of a design: previews while the shopper types (a design not saved yet, rendered once
per spec hash), their status, and server-sent streams of a render's or a snapshot's preview
status that end once it settles."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel

from atelier.contracts.canonical import canonicalize
from atelier.contracts.catalog import GET_RENDER, GET_SNAPSHOT, REQUEST_RENDER
from atelier.contracts.render import (
    GetRender,
    ImageFormat,
    RenderKind,
    RenderState,
    RenderStatus,
    RequestRender,
)
from atelier.contracts.snapshot import GetSnapshot, SnapshotView
from atelier.gateway import domain, schemas
from atelier.gateway.auth import Caller
from atelier.gateway.handlers.bus import call
from atelier.gateway.handlers.designs import resolved_spec
from atelier.gateway.watch import RenderWatch
from atelier.kit.errors import NotFound
from atelier.kit.runtime import Runtime

S = TypeVar("S", bound=BaseModel)
PREVIEW_KINDS = ("mockup", "preview")  # a snapshot's preview: its first view's mockup


def render_of(state: RenderState) -> schemas.Render:
    return schemas.Render(id=state.spec_hash, status=state.status, assets=[schemas.RenderAsset(
        kind=a.kind, view=a.view, status=a.status,
        url=domain.asset_url(a.object_key)
        if a.object_key and a.status is RenderStatus.READY else None,
        content_type=a.content_type, width_px=a.width_px, height_px=a.height_px,
        reason=a.reason) for a in state.assets])


def preview_of(state: RenderState | None) -> schemas.Preview:
    """A snapshot's preview from its design's renders (none yet: pending)."""
    mockup = next((a for a in (state.assets if state else []) if a.kind in PREVIEW_KINDS), None)
    if mockup is None:
        return schemas.Preview(status=RenderStatus.PENDING)
    ready = mockup.status is RenderStatus.READY and mockup.object_key is not None
    url = domain.asset_url(mockup.object_key) if ready else None  # type: ignore[arg-type]
    return schemas.Preview(status=mockup.status, url=url)


async def preview(
    runtime: Runtime, caller: Caller, design: schemas.Design, fmt: ImageFormat | None = None,
    kind: RenderKind = RenderKind.MOCKUP,
) -> schemas.Render:
    """Validate the design, then ask for ``kind`` of it (the mockup of its first view unless
    told): the same design again is answered from render's rows, ready at once, with no second
    job."""
    spec = await resolved_spec(runtime, caller, design)
    request = RequestRender(spec_hash=canonicalize(spec).hash, spec=spec, kind=kind, format=fmt)
    return render_of(await call(runtime, caller, REQUEST_RENDER, request))


async def render_state(runtime: Runtime, caller: Caller, spec_hash: str) -> RenderState:
    return await call(runtime, caller, GET_RENDER, GetRender(spec_hash=spec_hash))


async def render(runtime: Runtime, caller: Caller, render_id: str) -> schemas.Render:
    return render_of(await render_state(runtime, caller, render_id))


async def snapshot_preview(runtime: Runtime, caller: Caller, spec_hash: str) -> schemas.Preview:
    try:
        return preview_of(await render_state(runtime, caller, spec_hash))
    except NotFound:  # render has not taken the snapshot's event yet
        return preview_of(None)


async def render_events(
    runtime: Runtime, watch: RenderWatch, caller: Caller, render_id: str, limit_s: float,
    keepalive_s: float,
) -> AsyncIterator[schemas.Render | None]:
    """The render's status now (an unknown render is NotFound, before any event), then each
    change until it settles (``None``: nothing new for ``keepalive_s``)."""
    woken = watch.watch(caller.brand_id, render_id)  # before the first look: no event missed
    try:
        first = await render(runtime, caller, render_id)
    except BaseException:
        watch.forget(caller.brand_id, render_id, woken)
        raise
    return _changes(watch, woken, caller.brand_id, render_id, first,
                    lambda: render(runtime, caller, render_id), limit_s, keepalive_s)


async def snapshot_events(
    runtime: Runtime, watch: RenderWatch, caller: Caller, snapshot_id: str, limit_s: float,
    keepalive_s: float,
) -> AsyncIterator[schemas.Preview | None]:
    """The snapshot's preview status now (an unknown snapshot is NotFound), then each change
    until it settles."""
    view: SnapshotView = await call(runtime, caller, GET_SNAPSHOT,
                                    GetSnapshot(snapshot_id=snapshot_id))
    woken = watch.watch(caller.brand_id, view.spec_hash)
    try:
        first = await snapshot_preview(runtime, caller, view.spec_hash)
    except BaseException:
        watch.forget(caller.brand_id, view.spec_hash, woken)
        raise
    return _changes(watch, woken, caller.brand_id, view.spec_hash, first,
                    lambda: snapshot_preview(runtime, caller, view.spec_hash), limit_s,
                    keepalive_s)


async def _changes(
    watch: RenderWatch, woken: asyncio.Event, brand_id: str, spec_hash: str, first: S,
    current: Callable[[], Awaitable[S]], limit_s: float, keepalive_s: float,
) -> AsyncIterator[S | None]:
    """``first``, then the state each time render says one of the design's renders settled
    (asked again, so that the state is render's whatever event was missed), until it is not
    pending. Every ``keepalive_s`` without news it is asked again anyway (an event sent while
    NATS was away is lost) and ``None`` keeps the connection alive; after ``limit_s`` the stream
    ends (the browser's EventSource reconnects, and gets the state first)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    try:
        state = first
        yield first
        while getattr(state, "status", None) is RenderStatus.PENDING:
            left = deadline - loop.time()
            if left <= 0:
                return
            try:
                async with asyncio.timeout(min(keepalive_s, left)):
                    await woken.wait()
            except TimeoutError:
                yield None
            woken.clear()
            now = await current()
            if now != state:
                state = now
                yield now
    finally:
        watch.forget(brand_id, spec_hash, woken)
