"""Bus entrypoints: translate messages to use-case calls and back."""

from atelier.contracts import Envelope
from atelier.contracts.catalog import GET_PREVIEW, RENDER_PREVIEW, SNAPSHOT_CREATED
from atelier.contracts.render import GetPreview, PreviewStatus, RenderPreview
from atelier.contracts.snapshot import SnapshotCreated
from atelier.kit.broker import brand_of
from atelier.kit.outbox import UnitOfWork
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectStore
from atelier.render import handlers
from atelier.render.photos import Photos
from atelier.render.repository import RenderRepository
from atelier.typeset.pinned import PinnedFonts

SNAPSHOT_CONSUMER = "snapshot-created"
PREVIEW_CONSUMER = "preview"  # JOB_RENDER work queue: every replica competes on this one


def register(
    runtime: Runtime, store: ObjectStore, fonts: PinnedFonts, photos: Photos
) -> None:
    async def on_snapshot(
        uow: UnitOfWork[RenderRepository], envelope: Envelope[SnapshotCreated]
    ) -> None:
        await handlers.request_preview(uow, brand_of(envelope), envelope)

    async def on_preview_job(
        uow: UnitOfWork[RenderRepository], envelope: Envelope[RenderPreview]
    ) -> None:
        await handlers.render_preview(uow, store, fonts, photos, brand_of(envelope),
                                       envelope)

    async def on_preview_given_up(
        uow: UnitOfWork[RenderRepository], envelope: Envelope[RenderPreview], reason: str,
        poison: bool,
    ) -> None:
        await handlers.give_up_preview(uow, brand_of(envelope), envelope, reason, poison)

    async def get_preview(envelope: Envelope[GetPreview]) -> PreviewStatus:
        return await handlers.preview_status(
            runtime.uow(), brand_of(envelope), envelope.data.spec_hash
        )

    runtime.bus.consume(SNAPSHOT_CREATED, SNAPSHOT_CONSUMER, on_snapshot)
    runtime.bus.consume(RENDER_PREVIEW, PREVIEW_CONSUMER, on_preview_job, on_preview_given_up)
    runtime.bus.serve(GET_PREVIEW, get_preview)

