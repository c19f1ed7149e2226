"""Use cases of the render service: request a preview, draw it, report where it stands."""

import asyncio
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.contracts import Envelope
from atelier.contracts.catalog import RENDER_COMPLETED, RENDER_FAILED, RENDER_PREVIEW, Message
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
from atelier.render import domain, preview
from atelier.render.fonts import PinnedFonts
from atelier.render.models import RenderResult


async def request_preview(uow: UnitOfWork, brand_id: str, event: Envelope[SnapshotCreated]) -> None:
    """Queue the preview of a new snapshot's design, or answer at once when it is known."""
    snapshot = event.data
    queued = (
        await uow.session.execute(
            insert(RenderResult)
            .values(brand_id=brand_id, spec_hash=snapshot.spec_hash, kind=domain.PREVIEW,
                    status=RenderStatus.PENDING)
            .on_conflict_do_nothing()
            .returning(RenderResult.spec_hash)
        )
    ).first() is not None
    # a render given up on transient faults is tried again; any other outcome stands
    queued = queued or (await uow.session.execute(
        _restart(brand_id, snapshot.spec_hash, from_pending=False))).first() is not None
    if queued:
        job = RenderPreview(
            spec_hash=snapshot.spec_hash, spec=snapshot.spec, snapshot_id=snapshot.snapshot_id
        )
        uow.emit(RENDER_PREVIEW, job, brand_id=brand_id, cause=event)
    else:
        row = await _find(uow.session, brand_id, snapshot.spec_hash)
        assert row is not None  # the insert conflicted with it, and rows are never deleted
        _emit_known_outcome(uow, row, snapshot.snapshot_id, event)


async def render_preview(
    uow: UnitOfWork,
    store: ObjectStore,
    fonts: PinnedFonts,
    brand_id: str,
    job: Envelope[RenderPreview],
) -> None:
    """Draw, store and record one preview; a job whose render was settled does nothing. A design
    that cannot be drawn is poison: the kit parks the job and ``give_up_preview`` records it."""
    spec_hash = job.data.spec_hash
    # pending again (a job replayed after a retryable failure) or still pending: ours to draw
    if (await uow.session.execute(_restart(brand_id, spec_hash))).first() is None:
        return
    key = domain.preview_key(spec_hash)
    try:
        await fonts.ensure(zone.font for zone in job.data.spec.zones)
        image = await asyncio.to_thread(preview.render_png, job.data.spec)
    except domain.Undrawable as exc:
        raise PoisonMessage(str(exc)) from exc
    await store.put(key, image.png, domain.PNG)
    ready = {"status": RenderStatus.READY, "object_key": key, "content_type": domain.PNG,
             "width_px": image.width_px, "height_px": image.height_px, "rendered_at": func.now()}
    completed = RenderCompleted(
        spec_hash=spec_hash, object_key=key, content_type=domain.PNG, width_px=image.width_px,
        height_px=image.height_px, snapshot_id=job.data.snapshot_id,
    )
    await _settle(uow, brand_id, job, ready, RENDER_COMPLETED, completed)


async def give_up_preview(
    uow: UnitOfWork, brand_id: str, job: Envelope[RenderPreview], reason: str, poison: bool
) -> None:
    """The job was dead-lettered: the shopper's widget is told it failed instead of waiting for
    good. A design that cannot be drawn fails for good; a render given up on after transient
    faults stays retryable (the next snapshot of the design, or ``dlq replay``, renders it)."""
    failed = RenderFailed(spec_hash=job.data.spec_hash, reason=reason,
                          snapshot_id=job.data.snapshot_id)
    await _settle(uow, brand_id, job, {"status": RenderStatus.FAILED, "reason": reason,
                                       "retryable": not poison}, RENDER_FAILED, failed)


async def preview_status(uow: UnitOfWork, brand_id: str, spec_hash: str) -> PreviewStatus:
    async with uow:  # read inside: leaving the unit of work rolls back and expires the row
        row = await _find(uow.session, brand_id, spec_hash)
        if row is None:
            raise NotFound.of("preview", "spec_hash")
        return PreviewStatus(
            spec_hash=spec_hash, status=RenderStatus(row.status), object_key=row.object_key,
            reason=row.reason,
        )


async def _find(session: AsyncSession, brand_id: str, spec_hash: str) -> RenderResult | None:
    return await session.get(
        RenderResult, {"brand_id": brand_id, "spec_hash": spec_hash, "kind": domain.PREVIEW}
    )


def _emit_known_outcome(
    uow: UnitOfWork, row: RenderResult, snapshot_id: str, cause: Envelope
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


def _pending(brand_id: str, spec_hash: str) -> Any:
    return (
        update(RenderResult)
        .where(RenderResult.brand_id == brand_id, RenderResult.spec_hash == spec_hash,
               RenderResult.kind == domain.PREVIEW, RenderResult.status == RenderStatus.PENDING)
        .returning(RenderResult.spec_hash)
    )


def _restart(brand_id: str, spec_hash: str, from_pending: bool = True) -> Any:
    """Pending again, from a retryable failure (and from pending, unless ``from_pending`` is
    False): never from a settled outcome."""
    restartable = (RenderResult.status == RenderStatus.FAILED) & RenderResult.retryable
    if from_pending:
        restartable = restartable | (RenderResult.status == RenderStatus.PENDING)
    return (
        update(RenderResult)
        .where(RenderResult.brand_id == brand_id, RenderResult.spec_hash == spec_hash,
               RenderResult.kind == domain.PREVIEW, restartable)
        .values(status=RenderStatus.PENDING, retryable=False, reason=None)
        .returning(RenderResult.spec_hash)
    )


async def _settle(
    uow: UnitOfWork,
    brand_id: str,
    job: Envelope[RenderPreview],
    values: dict[str, Any],
    message: Message,
    data: BaseModel,
) -> None:
    """Record the outcome and announce it, once: a concurrent redelivery that settled first wins."""
    settled = (
        await uow.session.execute(_pending(brand_id, job.data.spec_hash).values(**values))
    ).first() is not None
    if settled:
        uow.emit(message, data, brand_id=brand_id, cause=job)
