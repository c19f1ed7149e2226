"""Bus entrypoints: translate messages to use-case calls and back."""

from atelier.contracts import Envelope
from atelier.contracts.catalog import (
    GET_RENDER,
    RENDER_JOBS,
    RENDER_PREVIEW,
    REQUEST_RENDER,
    SNAPSHOT_CREATED,
)
from atelier.contracts.render import (
    GetRender,
    RenderJob,
    RenderKind,
    RenderPreview,
    RenderState,
    RequestRender,
)
from atelier.contracts.snapshot import SnapshotCreated
from atelier.kit.broker import brand_of
from atelier.kit.outbox import UnitOfWork
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectStore
from atelier.render import handlers
from atelier.render.photos import Photos
from atelier.render.repository import RenderRepository
from atelier.render.settings import RenderSettings
from atelier.typeset.pinned import PinnedFonts

SNAPSHOT_CONSUMER = "snapshot-created"
LEGACY_PREVIEW_CONSUMER = "preview"  # version 1 jobs, drained by the mockup pool


def job_consumer(kind: RenderKind) -> str:
    """JOB_RENDER work queue of a kind: every worker of the kind's pool competes on this one."""
    return kind.value


def register(
    runtime: Runtime, settings: RenderSettings, store: ObjectStore, fonts: PinnedFonts,
    photos: Photos,
) -> None:
    async def on_snapshot(
        uow: UnitOfWork[RenderRepository], envelope: Envelope[SnapshotCreated]
    ) -> None:
        await handlers.request_snapshot_renders(uow, settings, brand_of(envelope), envelope)

    async def on_job(uow: UnitOfWork[RenderRepository], envelope: Envelope[RenderJob]) -> None:
        await handlers.render_job(uow, settings, store, fonts, photos, brand_of(envelope),
                                  envelope)

    async def on_given_up(
        uow: UnitOfWork[RenderRepository], envelope: Envelope[RenderJob], reason: str,
        poison: bool,
    ) -> None:
        await handlers.give_up(uow, brand_of(envelope), envelope, reason, poison)

    def as_job(envelope: Envelope[RenderPreview]) -> Envelope[RenderJob]:
        job = handlers.legacy_job(settings, envelope.data)
        return Envelope[RenderJob](**{**dict(envelope), "data": job})

    async def on_legacy_job(
        uow: UnitOfWork[RenderRepository], envelope: Envelope[RenderPreview]
    ) -> None:
        await on_job(uow, as_job(envelope))

    async def on_legacy_given_up(
        uow: UnitOfWork[RenderRepository], envelope: Envelope[RenderPreview], reason: str,
        poison: bool,
    ) -> None:
        await on_given_up(uow, as_job(envelope), reason, poison)

    async def request(
        uow: UnitOfWork[RenderRepository], envelope: Envelope[RequestRender]
    ) -> RenderState:
        return await handlers.request_render(uow, settings, brand_of(envelope), envelope.data)

    async def get(envelope: Envelope[GetRender]) -> RenderState:
        return await handlers.render_state(runtime.uow(), brand_of(envelope),
                                           envelope.data.spec_hash)

    # every pool takes snapshot events and requests (they only queue jobs: one shared durable,
    # one rpc queue group); each draws the kinds of ATELIER_RENDER_KINDS
    runtime.bus.consume(SNAPSHOT_CREATED, SNAPSHOT_CONSUMER, on_snapshot)
    for kind in settings.kinds:
        runtime.bus.consume(RENDER_JOBS[kind], job_consumer(kind), on_job, on_given_up,
                            concurrency=settings.job_concurrency)
    if RenderKind.MOCKUP in settings.kinds:
        runtime.bus.consume(RENDER_PREVIEW, LEGACY_PREVIEW_CONSUMER, on_legacy_job,
                            on_legacy_given_up)
    runtime.bus.serve_command(REQUEST_RENDER, request)
    runtime.bus.serve(GET_RENDER, get)
