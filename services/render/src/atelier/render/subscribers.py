"""Bus entrypoints: translate messages to use-case calls and back."""

from atelier.contracts import Envelope
from atelier.contracts.catalog import GET_PREVIEW, RENDER_PREVIEW, SNAPSHOT_CREATED
from atelier.contracts.render import GetPreview, PreviewStatus, RenderPreview
from atelier.contracts.snapshot import SnapshotCreated
from atelier.kit.broker import brand_of
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectStore
from atelier.render import handlers
from atelier.render.fonts import PinnedFonts

SNAPSHOT_CONSUMER = "snapshot-created"
PREVIEW_CONSUMER = "preview"  # JOB_RENDER work queue: every replica competes on this one


def register(runtime: Runtime, store: ObjectStore, fonts: PinnedFonts) -> None:
    async def on_snapshot(envelope: Envelope[SnapshotCreated]) -> None:
        await handlers.request_preview(
            runtime.uow(), f"{runtime.service}-{SNAPSHOT_CONSUMER}", brand_of(envelope), envelope
        )

    async def on_preview_job(envelope: Envelope[RenderPreview]) -> None:
        await handlers.render_preview(
            runtime.uow(), store, fonts, brand_of(envelope), envelope
        )

    async def get_preview(envelope: Envelope[GetPreview]) -> PreviewStatus:
        return await handlers.preview_status(
            runtime.uow(), brand_of(envelope), envelope.data.spec_hash
        )

    runtime.bus.consume(SNAPSHOT_CREATED, SNAPSHOT_CONSUMER, on_snapshot)
    async def on_preview_given_up(envelope: Envelope[RenderPreview], reason: str) -> None:
        await handlers.give_up_preview(runtime.uow(), brand_of(envelope), envelope, reason)

    runtime.bus.consume(RENDER_PREVIEW, PREVIEW_CONSUMER, on_preview_job, on_preview_given_up)
    runtime.bus.serve(GET_PREVIEW, get_preview)

