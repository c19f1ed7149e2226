"""Use cases of the render service: request an output of a design, draw it, report where the
design's outputs stand."""

import asyncio
import hashlib

from pydantic import ValidationError

from atelier.contracts import Envelope
from atelier.contracts.catalog import RENDER_COMPLETED, RENDER_FAILED, RENDER_JOBS
from atelier.contracts.errors import ErrorCode, ErrorItem
from atelier.contracts.model3d import ProductModel, UploadedModel, model_object_key
from atelier.contracts.render import (
    MODEL_KINDS,
    RenderCompleted,
    RenderedAsset,
    RenderFailed,
    RenderJob,
    RenderKind,
    RenderPreview,
    RenderRequest,
    RenderState,
    RenderStatus,
    RequestRender,
)
from atelier.contracts.snapshot import SnapshotCreated
from atelier.contracts.spec import AnySpec, DesignSpec, placed
from atelier.kit.errors import Invalid, NotFound, PoisonMessage
from atelier.kit.outbox import UnitOfWork
from atelier.kit.storage import ObjectNotFound, ObjectStore
from atelier.render import domain, mockup, threed
from atelier.render.models import RenderResult
from atelier.render.photos import Photos
from atelier.render.repository import Output, RenderRepository
from atelier.render.settings import RenderSettings
from atelier.typeset.pinned import FontUnavailable, PinnedFonts


def _placed(spec: AnySpec) -> DesignSpec:
    """The spec in the version 2 shape; ``Undrawable`` for a version 1 spec whose zones stack
    past any artboard."""
    try:
        return placed(spec)
    except ValidationError as exc:
        raise domain.Undrawable(f"the design cannot be laid out: {exc.errors()[0]['msg']}") \
            from None


def job_of(spec_hash: str, spec: AnySpec, asked: RenderRequest, zone_px_per_mm: float,
           snapshot_id: str | None = None) -> RenderJob:
    """The job drawing ``asked`` of a spec, with the view (or zone) named: the first when none
    is; a 3D model names none. Raises ``Undrawable`` when the spec has no such view or zone, or
    its product no 3D model."""
    shape = _placed(spec)
    fmt = domain.image_format(asked.kind, asked.format)
    px_per_mm = asked.px_per_mm or zone_px_per_mm
    if asked.kind in MODEL_KINDS:
        if shape.model is None:
            raise domain.Undrawable("the product has no 3D model")
        return RenderJob(kind=asked.kind, spec_hash=spec_hash, spec=spec,
                         snapshot_id=snapshot_id,
                         variant=domain.variant(asked.kind, "", None, px_per_mm))
    zone = asked.kind is RenderKind.ZONE
    keys = [z.key for z in shape.zones] if zone else [v.key for v in shape.views]
    view = asked.view or next(iter(keys), None)
    if view is None or view not in keys:
        raise domain.Undrawable(f"the design has no {'zone' if zone else 'view'} {view!r}")
    return RenderJob(kind=asked.kind, view=view, format=fmt, px_per_mm=px_per_mm,
                     spec_hash=spec_hash, spec=spec, snapshot_id=snapshot_id,
                     variant=domain.variant(asked.kind, view, fmt, px_per_mm))


def _output(brand_id: str, job: RenderJob) -> Output:
    return Output(brand_id, job.spec_hash, job.kind.value, job.variant)


async def _request(
    uow: UnitOfWork[RenderRepository], brand_id: str, job: RenderJob, cause: Envelope | None
) -> RenderResult | None:
    """Queue ``job`` unless its output is known: None when queued, else the known row."""
    if await uow.repository.request(_output(brand_id, job)):
        uow.emit(RENDER_JOBS[job.kind], job, brand_id=brand_id, cause=cause)
        return None
    row = await uow.repository.find(_output(brand_id, job))
    assert row is not None  # it was there to refuse the request, and rows are never deleted
    return row


def snapshot_requests(settings: RenderSettings, spec: AnySpec) -> list[RenderRequest]:
    """What every snapshot gets (``snapshot_kinds``: its first view's mockup and thumbnail, and
    its product's 3D model when the product has one)."""
    has_model = isinstance(spec, DesignSpec) and spec.model is not None  # version 2 only
    return [RenderRequest(kind=kind) for kind in settings.snapshot_kinds
            if has_model or kind not in MODEL_KINDS]


async def request_snapshot_renders(
    uow: UnitOfWork[RenderRepository], settings: RenderSettings, brand_id: str,
    event: Envelope[SnapshotCreated],
) -> None:
    """A new snapshot's renders (``snapshot_requests``), each queued, or told at once when
    known."""
    snapshot = event.data
    try:
        jobs = [job_of(snapshot.spec_hash, snapshot.spec, asked, settings.zone_px_per_mm,
                       snapshot.snapshot_id)
                for asked in snapshot_requests(settings, snapshot.spec)]
    except domain.Undrawable as exc:
        raise PoisonMessage(str(exc)) from exc
    for job in jobs:
        row = await _request(uow, brand_id, job, event)
        if row is not None:
            _emit_known_outcome(uow, row, snapshot.snapshot_id, event)


async def request_render(
    uow: UnitOfWork[RenderRepository], settings: RenderSettings, brand_id: str,
    request: RequestRender,
) -> RenderState:
    """Queue an output of a design not necessarily saved (the widget's preview while typing);
    the same output again is answered from its row, with no second job."""
    try:
        job = job_of(request.spec_hash, request.spec, request, settings.zone_px_per_mm)
    except domain.Undrawable as exc:
        field = "kind" if request.kind in MODEL_KINDS else "view"
        raise Invalid("The render cannot be made.", [ErrorItem(
            field=field, code=ErrorCode.INVALID_FIELD, message=str(exc))]) from exc
    await _request(uow, brand_id, job, None)
    return await _state(uow, brand_id, request.spec_hash)


async def render_job(
    uow: UnitOfWork[RenderRepository], settings: RenderSettings, store: ObjectStore,
    fonts: PinnedFonts, photos: Photos, brand_id: str, job: Envelope[RenderJob],
) -> None:
    """Draw, store and record one output; a job whose output was settled does nothing. A design
    that cannot be drawn is poison: the kit parks the job and ``give_up`` records it. A job
    that runs past ``job_timeout_s`` fails, retryably, with the reason."""
    output = _output(brand_id, job.data)
    # pending again (a job replayed after a retryable failure) or still pending: ours to draw
    if not await uow.repository.take(output):
        return
    try:
        async with asyncio.timeout(settings.job_timeout_s):
            drawn = await _draw(store, fonts, photos, job.data)
    except (domain.Undrawable, FontUnavailable) as exc:
        raise PoisonMessage(str(exc)) from exc
    except TimeoutError:
        reason = f"the render ran past its {settings.job_timeout_s:g} s"
        await _fail(uow, brand_id, job, reason, retryable=True)
        return
    key = domain.object_key(job.data.spec_hash, job.data.kind.value, job.data.variant)
    await store.put(key, drawn.data, drawn.content_type)
    if await uow.repository.ready(output, key, drawn.content_type, drawn.width_px,
                                  drawn.height_px):
        completed = RenderCompleted(
            spec_hash=job.data.spec_hash, kind=job.data.kind.value, view=job.data.view or "",
            object_key=key, content_type=drawn.content_type, width_px=drawn.width_px,
            height_px=drawn.height_px, snapshot_id=job.data.snapshot_id,
        )
        uow.emit(RENDER_COMPLETED, completed, brand_id=brand_id, cause=job)


async def _uploaded_glb(store: ObjectStore, model: ProductModel | None) -> bytes | None:
    """The bytes of the GLB a model names (the gateway checked and stored them), or None."""
    if not isinstance(model, UploadedModel):
        return None
    key = model_object_key(model.sha256)
    try:
        data = await store.get(key)
    except ObjectNotFound:
        raise domain.Undrawable(f"the uploaded model {key} is not in the object store") from None
    if hashlib.sha256(data).hexdigest() != model.sha256:
        raise domain.Undrawable(f"{key} does not hash to its key")
    return data


async def _draw(store: ObjectStore, fonts: PinnedFonts, photos: Photos,
                job: RenderJob) -> mockup.Drawn:
    await fonts.ensure(zone.font for zone in job.spec.zones)
    scene = mockup.scene_of(job.spec)
    if job.kind in threed.SERIALIZERS:
        uploaded = await _uploaded_glb(store, scene.spec.model)
        return await asyncio.to_thread(threed.modelled, job.kind, scene, uploaded)
    view = mockup.view_for(scene, job.kind, job.view)
    photo_side = mockup.PHOTO_SIDE_PX.get(job.kind)
    photo = (await photos.get(view.photo, photo_side)
             if photo_side is not None and view.photo is not None else None)
    assert job.format is not None and job.px_per_mm is not None  # job_of names both
    return await asyncio.to_thread(mockup.DRAWERS[job.kind], view, job.view, photo, job.format,
                                   job.px_per_mm)


def legacy_job(settings: RenderSettings, job: RenderPreview) -> RenderJob:
    """A version 1 preview job as the job it is now: the mockup of the spec's first view."""
    try:
        return job_of(job.spec_hash, job.spec, RenderRequest(), settings.zone_px_per_mm,
                      job.snapshot_id)
    except domain.Undrawable as exc:
        raise PoisonMessage(str(exc)) from exc


async def give_up(
    uow: UnitOfWork[RenderRepository], brand_id: str, job: Envelope[RenderJob], reason: str,
    poison: bool,
) -> None:
    """The job was dead-lettered: the shopper's widget is told it failed instead of waiting for
    good. A design that cannot be drawn fails for good; a render given up on after transient
    faults stays retryable (the next request of the design, or ``dlq replay``, renders it)."""
    await _fail(uow, brand_id, job, reason, retryable=not poison)


async def _fail(uow: UnitOfWork[RenderRepository], brand_id: str, job: Envelope[RenderJob],
                reason: str, retryable: bool) -> None:
    if await uow.repository.failed(_output(brand_id, job.data), reason, retryable=retryable):
        failed = RenderFailed(spec_hash=job.data.spec_hash, kind=job.data.kind.value,
                              view=job.data.view or "", reason=reason,
                              snapshot_id=job.data.snapshot_id)
        uow.emit(RENDER_FAILED, failed, brand_id=brand_id, cause=job)


async def render_state(
    uow: UnitOfWork[RenderRepository], brand_id: str, spec_hash: str
) -> RenderState:
    async with uow:  # read inside: leaving the unit of work rolls back and expires the rows
        return await _state(uow, brand_id, spec_hash)


async def _state(uow: UnitOfWork[RenderRepository], brand_id: str, spec_hash: str) -> RenderState:
    rows = await uow.repository.of_spec(brand_id, spec_hash)
    if not rows:
        raise NotFound.of("render", "spec_hash")
    assets = [RenderedAsset(
        kind=row.kind, view=domain.view_of(row.variant), variant=row.variant,
        status=RenderStatus(row.status), object_key=row.object_key,
        content_type=row.content_type, width_px=row.width_px, height_px=row.height_px,
        reason=row.reason) for row in rows]
    statuses = {asset.status for asset in assets}
    status = next(s for s in (RenderStatus.FAILED, RenderStatus.PENDING, RenderStatus.READY)
                  if s in statuses)
    return RenderState(spec_hash=spec_hash, status=status, assets=assets)


def _emit_known_outcome(
    uow: UnitOfWork[RenderRepository], row: RenderResult, snapshot_id: str, cause: Envelope
) -> None:
    """The same design again: repeat its settled outcome for this snapshot (a cache hit).

    A pending row means its job is in flight; that job's completion carries the same spec_hash,
    which is what listeners key on.
    """
    view = domain.view_of(row.variant)
    if row.status == RenderStatus.PENDING:
        return
    if row.status == RenderStatus.READY:
        # the table's check constraint guarantees these on ready rows
        assert row.object_key and row.content_type and row.width_px and row.height_px
        completed = RenderCompleted(
            spec_hash=row.spec_hash, kind=row.kind, view=view, object_key=row.object_key,
            content_type=row.content_type, width_px=row.width_px, height_px=row.height_px,
            snapshot_id=snapshot_id,
        )
        uow.emit(RENDER_COMPLETED, completed, brand_id=row.brand_id, cause=cause)
    else:
        failed = RenderFailed(spec_hash=row.spec_hash, kind=row.kind, view=view,
                              reason=row.reason or "", snapshot_id=snapshot_id)
        uow.emit(RENDER_FAILED, failed, brand_id=row.brand_id, cause=cause)
