"""Use cases of the render service: request a preview, draw it, report where it stands."""

import asyncio

from atelier.contracts import Envelope
from atelier.contracts.catalog import RENDER_COMPLETED, RENDER_FAILED, RENDER_PREVIEW
from atelier.contracts.render import (
    PreviewStatus,
    RenderCompleted,
    RenderFailed,
    RenderPreview,
    RenderStatus,
)
from atelier.contracts.snapshot import SnapshotCreated
from atelier.kit.errors import NotFound, PoisonMessage
from atelier.kit.outbox import UnitOfWork
from atelier.kit.storage import ObjectStore
from atelier.render import domain, mockup
from atelier.render.models import RenderResult
from atelier.render.photos import Photos
from atelier.render.repository import RenderRepository
from atelier.typeset.pinned import FontUnavailable, PinnedFonts


async def request_preview(
    uow: UnitOfWork[RenderRepository], brand_id: str, event: Envelope[SnapshotCreated]
) -> None:
    """Queue the preview of a new snapshot's design, or answer at once when it is known."""
    snapshot = event.data
    if await uow.repository.request(brand_id, snapshot.spec_hash):
        job = RenderPreview(
            spec_hash=snapshot.spec_hash, spec=snapshot.spec, snapshot_id=snapshot.snapshot_id
        )
        uow.emit(RENDER_PREVIEW, job, brand_id=brand_id, cause=event)
    else:
        row = await uow.repository.find(brand_id, snapshot.spec_hash)
        assert row is not None  # it was there to refuse the request, and rows are never deleted
        _emit_known_outcome(uow, row, snapshot.snapshot_id, event)


async def render_preview(
    uow: UnitOfWork[RenderRepository],
    store: ObjectStore,
    fonts: PinnedFonts,
    photos: Photos,
    brand_id: str,
    job: Envelope[RenderPreview],
) -> None:
    """Draw, store and record one preview (the mockup of the design's first view); a job whose
    render was settled does nothing. A design that cannot be drawn is poison: the kit parks the
    job and ``give_up_preview`` records it."""
    spec_hash = job.data.spec_hash
    # pending again (a job replayed after a retryable failure) or still pending: ours to draw
    if not await uow.repository.take(brand_id, spec_hash):
        return
    try:
        key = domain.preview_key(spec_hash)
        await fonts.ensure(zone.font for zone in job.data.spec.zones)
        view = mockup.first_view(job.data.spec)
        photo = None if view.photo is None else await photos.get(view.photo)
        image = await asyncio.to_thread(mockup.render, view, photo)
    except (domain.Undrawable, FontUnavailable) as exc:
        raise PoisonMessage(str(exc)) from exc
    await store.put(key, image.png, domain.PNG)
    if await uow.repository.ready(brand_id, spec_hash, key, domain.PNG, image.width_px,
                                  image.height_px):
        completed = RenderCompleted(
            spec_hash=spec_hash, object_key=key, content_type=domain.PNG,
            width_px=image.width_px, height_px=image.height_px, snapshot_id=job.data.snapshot_id,
        )
        uow.emit(RENDER_COMPLETED, completed, brand_id=brand_id, cause=job)


async def give_up_preview(
    uow: UnitOfWork[RenderRepository], brand_id: str, job: Envelope[RenderPreview], reason: str,
    poison: bool,
) -> None:
    """The job was dead-lettered: the shopper's widget is told it failed instead of waiting for
    good. A design that cannot be drawn fails for good; a render given up on after transient
    faults stays retryable (the next snapshot of the design, or ``dlq replay``, renders it)."""
    if await uow.repository.failed(brand_id, job.data.spec_hash, reason, retryable=not poison):
        failed = RenderFailed(spec_hash=job.data.spec_hash, reason=reason,
                              snapshot_id=job.data.snapshot_id)
        uow.emit(RENDER_FAILED, failed, brand_id=brand_id, cause=job)


async def preview_status(
    uow: UnitOfWork[RenderRepository], brand_id: str, spec_hash: str
) -> PreviewStatus:
    async with uow:  # read inside: leaving the unit of work rolls back and expires the row
        row = await uow.repository.find(brand_id, spec_hash)
        if row is None:
            raise NotFound.of("preview", "spec_hash")
        return PreviewStatus(
            spec_hash=spec_hash, status=RenderStatus(row.status), object_key=row.object_key,
            reason=row.reason,
        )


def _emit_known_outcome(
    uow: UnitOfWork[RenderRepository], row: RenderResult, snapshot_id: str, cause: Envelope
) -> None:
    """The same design again: repeat its settled outcome for this snapshot (a cache hit).

    A pending row means its job is in flight; that job's completion carries the same spec_hash,
    which is what listeners key on.
    """
    if row.status == RenderStatus.PENDING:
        return
    if row.status == RenderStatus.READY:
        # the table's check constraint guarantees these on ready rows
        assert row.object_key and row.content_type and row.width_px and row.height_px
        completed = RenderCompleted(
            spec_hash=row.spec_hash, object_key=row.object_key, content_type=row.content_type,
            width_px=row.width_px, height_px=row.height_px, snapshot_id=snapshot_id,
        )
        uow.emit(RENDER_COMPLETED, completed, brand_id=row.brand_id, cause=cause)
    else:
        failed = RenderFailed(spec_hash=row.spec_hash, reason=row.reason or "",
                              snapshot_id=snapshot_id)
        uow.emit(RENDER_FAILED, failed, brand_id=row.brand_id, cause=cause)
