"""Use cases of the manufacturing service: export a snapshot's bundle, make it, report on it."""

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from atelier.contracts import Envelope, new_id
from atelier.contracts.catalog import (
    BUNDLE_FAILED,
    BUNDLE_READY,
    GET_SNAPSHOT,
    GET_SPEC,
    MANUFACTURING_EXPORT,
    Message,
)
from atelier.contracts.commerce import ItemToProduce
from atelier.contracts.errors import ErrorCode, ErrorItem
from atelier.contracts.manufacturing import (
    BundleFailed,
    BundleFile,
    BundleList,
    BundleReady,
    ExportJob,
    ExportPack,
    OutputProfile,
    ProductProfile,
    ProfileList,
    SetProductProfile,
    WorkOrderStatus,
    WorkOrderView,
)
from atelier.contracts.snapshot import GetSnapshot, SnapshotStatus, SnapshotView
from atelier.contracts.spec import GetSpec, StoredSpec
from atelier.kit.errors import Conflict, Invalid, NotFound, PoisonMessage, Unavailable
from atelier.kit.outbox import UnitOfWork
from atelier.kit.storage import ObjectStore
from atelier.manufacturing import domain
from atelier.manufacturing.exports.bundle import Bundle, Meta, make_bundle
from atelier.manufacturing.models import BundleRow, WorkOrderRow
from atelier.manufacturing.repository import ManufacturingRepository
from atelier.manufacturing.settings import ManufacturingSettings
from atelier.typeset.pinned import FontUnavailable, PinnedFonts
from atelier.typeset.product import product_scene

Uow = UnitOfWork[ManufacturingRepository]
# an rpc query to another service, as this brand: (message, request) → reply
Ask = Callable[[Message, Any], Awaitable[Any]]
PRODUCIBLE = (SnapshotStatus.VALIDATED, SnapshotStatus.LOCKED)


async def export_pack(uow: Uow, settings: ManufacturingSettings, ask: Ask, brand_id: str,
                      request: ExportPack) -> WorkOrderView:
    """Queue the bundle of a validated or locked snapshot of this brand; anything else is
    refused before a row is written or a job queued."""
    snapshot: SnapshotView = await ask(GET_SNAPSHOT, GetSnapshot(snapshot_id=request.snapshot_id))
    if snapshot.status not in PRODUCIBLE:
        raise Conflict("Only a validated or locked snapshot is produced.", [ErrorItem(
            field="snapshot_id", code=ErrorCode.SNAPSHOT_NOT_VALIDATED,
            message=f"The snapshot is {snapshot.status.value}: validate it (or lock it) "
            "first.")])
    return await _work_order(uow, settings, ask, brand_id, snapshot, request)


async def _work_order(uow: Uow, settings: ManufacturingSettings, ask: Ask, brand_id: str,
                      snapshot: SnapshotView, request: ExportPack) -> WorkOrderView:
    """The work order of a producible ``snapshot``, its export job queued."""
    name = (request.profile or await uow.repository.product_profile(brand_id, snapshot.product_id)
            or settings.default_profile)
    profile = await _profile(uow, brand_id, name)
    row = WorkOrderRow(
        id=new_id(), brand_id=brand_id, order_id=request.order_id, order_item_id=request.item_id,
        snapshot_id=snapshot.id, spec_hash=snapshot.spec_hash, sku=request.sku,
        profile=profile.model_dump(mode="json"), status=WorkOrderStatus.PENDING.value,
    )
    uow.repository.add(row)
    await _queue(uow, ask, brand_id, row)
    return _view(row, None)


async def produce_items(uow: Uow, settings: ManufacturingSettings, ask: Ask, brand_id: str,
                        order_id: str, items: list[ItemToProduce]) -> None:
    """A paid order's items (or one a person released): a work order each, queued as an
    export asked by hand is, unless the item has one already (one bundle per item, however
    often the order's event comes)."""
    made = await uow.repository.items_made(brand_id, [item.item_id for item in items])
    for item in items:
        if item.item_id in made:
            continue
        try:
            snapshot: SnapshotView | None = await ask(
                GET_SNAPSHOT, GetSnapshot(snapshot_id=item.snapshot_id))
        except NotFound:
            snapshot = None
        if snapshot is None or snapshot.status not in PRODUCIBLE:
            # commerce checked and locked it: this can never be made, so say so at once
            why = ("its snapshot is not one of this brand's" if snapshot is None else
                   f"its snapshot is {snapshot.status.value}, not validated or locked")
            _refuse(uow, settings, brand_id, order_id, item, f"the item cannot be made: {why}")
            continue
        await _work_order(uow, settings, ask, brand_id, snapshot, ExportPack(
            snapshot_id=item.snapshot_id, order_id=order_id, item_id=item.item_id))


def _refuse(uow: Uow, settings: ManufacturingSettings, brand_id: str, order_id: str,
            item: ItemToProduce, reason: str) -> None:
    """A work order failed from the start, with the reason, and ``bundle.failed`` for it."""
    row = WorkOrderRow(
        id=new_id(), brand_id=brand_id, order_id=order_id, order_item_id=item.item_id,
        snapshot_id=item.snapshot_id, spec_hash="", status=WorkOrderStatus.FAILED.value,
        profile=domain.PROFILES.get(settings.default_profile, domain.PROFILES["standard"])
        .model_dump(mode="json"),
        reason=reason)
    uow.repository.add(row)
    uow.emit(BUNDLE_FAILED, BundleFailed(work_order_id=row.id, snapshot_id=item.snapshot_id,
                                         reason=reason, order_id=order_id,
                                         item_id=item.item_id), brand_id=brand_id)


async def bundles_of(uow: Uow, brand_id: str, order_id: str) -> BundleList:
    async with uow:
        rows = await uow.repository.of_order(brand_id, order_id)
        return BundleList(order_id=order_id, work_orders=[
            _view(row, await uow.repository.bundle(brand_id, row.id)) for row in rows])


async def _profile(uow: Uow, brand_id: str, name: str) -> OutputProfile:
    try:
        return domain.profile_for(name, await uow.repository.profiles(brand_id))
    except domain.UnknownProfile as exc:
        raise Invalid("The output profile is not known.", [ErrorItem(
            field="profile", code=ErrorCode.UNKNOWN_PROFILE, message=str(exc))]) from None


async def set_profile(uow: Uow, brand_id: str, profile: OutputProfile) -> OutputProfile:
    """The brand's own profile (one of a platform profile's name overrides it for the brand)."""
    await uow.repository.put_profile(brand_id, profile)
    return profile


async def set_product_profile(uow: Uow, brand_id: str, request: SetProductProfile
                              ) -> ProductProfile:
    """The profile a product's exports get when they name none: one the brand knows."""
    await _profile(uow, brand_id, request.profile)
    await uow.repository.put_product_profile(brand_id, request.product_id, request.profile)
    return ProductProfile(product_id=request.product_id, profile=request.profile)


async def profiles(uow: Uow, brand_id: str) -> ProfileList:
    async with uow:
        own = await uow.repository.profiles(brand_id)
        products = await uow.repository.product_profiles(brand_id)
    known = {**domain.PROFILES, **own}
    return ProfileList(profiles=[known[name] for name in sorted(known)], products=products)


async def regenerate(uow: Uow, ask: Ask, brand_id: str, work_order_id: str) -> WorkOrderView:
    """Make a settled work order's bundle again: the same spec and profile give the same
    bytes."""
    row = await uow.repository.find(brand_id, work_order_id, for_update=True)
    if row is None:
        raise NotFound.of("work order", "work_order_id")
    if not await uow.repository.again(brand_id, work_order_id):
        raise Conflict("The work order is being made.", [ErrorItem(
            field="work_order_id", code=ErrorCode.NOT_REGENERABLE,
            message=f"It is {row.status}: wait until it is ready or failed.")])
    row.status, row.reason = WorkOrderStatus.PENDING.value, None
    await _queue(uow, ask, brand_id, row)
    return _view(row, None)


async def _queue(uow: Uow, ask: Ask, brand_id: str, row: WorkOrderRow) -> None:
    """The export job, with the spec as the spec service stored it. It stores a snapshot's spec
    from the snapshot's event, a moment after the snapshot exists (longer when it has a
    backlog): until then the export is unavailable for a second, not unknown (a 503 with
    Retry-After; an order's item is retried by its consumer)."""
    try:
        stored: StoredSpec = await ask(GET_SPEC, GetSpec(spec_hash=row.spec_hash))
    except NotFound:
        raise Unavailable("The design is still being stored: ask again in a moment.",
                          retry_after_s=1) from None
    job = ExportJob(work_order_id=row.id, snapshot_id=row.snapshot_id, spec_hash=row.spec_hash,
                    spec=stored.spec, profile=OutputProfile.model_validate(row.profile),
                    order_id=row.order_id, item_id=row.order_item_id, sku=row.sku)
    uow.emit(MANUFACTURING_EXPORT, job, brand_id=brand_id)


async def export_job(uow: Uow, units: Callable[[], Uow], settings: ManufacturingSettings,
                     store: ObjectStore, fonts: PinnedFonts, brand_id: str,
                     job: Envelope[ExportJob]) -> None:
    """Make, store and record one bundle. The order shows ``generating`` from the start (its
    own transaction); a design that cannot be made is poison (the kit parks the job and
    ``give_up`` records why); one that runs past ``job_timeout_s`` fails with the reason."""
    order = job.data
    async with units() as taking:
        taken = await taking.repository.generating(brand_id, order.work_order_id)
        await taking.commit()
    if not taken:  # settled meanwhile: a duplicate job
        return
    try:
        async with asyncio.timeout(settings.job_timeout_s):
            await fonts.ensure(zone.font for zone in order.spec.zones)
            made = await asyncio.to_thread(_make, order)
    except (FontUnavailable, Unmakeable) as exc:
        raise PoisonMessage(str(exc)) from exc
    except TimeoutError:
        await _fail(uow, brand_id, job, f"the export ran past its {settings.job_timeout_s:g} s")
        return
    key = domain.object_key(brand_id, order.work_order_id, made.name)
    await store.put(key, made.data, domain.ZIP)
    digest = hashlib.sha256(made.data).hexdigest()
    bundle = BundleRow(id=new_id(), brand_id=brand_id, work_order_id=order.work_order_id,
                       name=made.name, object_key=key, sha256=digest, size=len(made.data),
                       status=WorkOrderStatus.READY.value,
                       manifest={"files": [f.model_dump() for f in made.files]})
    if await uow.repository.ready(bundle):
        uow.emit(BUNDLE_READY, BundleReady(
            work_order_id=order.work_order_id, snapshot_id=order.snapshot_id,
            spec_hash=order.spec_hash, object_key=key, bundle_name=made.name, sha256=digest,
            size=len(made.data), order_id=order.order_id, item_id=order.item_id,
        ), brand_id=brand_id, cause=job)


class Unmakeable(Exception):
    """A design whose files cannot be made: making them again would fail the same way."""


def _make(order: ExportJob) -> Bundle:
    try:
        scene = product_scene(order.spec)
        return make_bundle(scene, order.profile, Meta(
            spec_hash=order.spec_hash, snapshot_id=order.snapshot_id, order_id=order.order_id,
            item_id=order.item_id, sku=order.sku))
    except MemoryError:
        raise
    except Exception as exc:  # a pure function of the spec: it would fail again
        raise Unmakeable(f"the bundle cannot be made: {type(exc).__name__}: {exc}") from exc


async def give_up(uow: Uow, brand_id: str, job: Envelope[ExportJob], reason: str) -> None:
    """The job was dead-lettered: the order fails with the reason, and whoever waits is told."""
    await _fail(uow, brand_id, job, reason)


async def _fail(uow: Uow, brand_id: str, job: Envelope[ExportJob], reason: str) -> None:
    order = job.data
    if await uow.repository.failed(brand_id, order.work_order_id, reason):
        uow.emit(BUNDLE_FAILED, BundleFailed(
            work_order_id=order.work_order_id, snapshot_id=order.snapshot_id, reason=reason,
            order_id=order.order_id, item_id=order.item_id), brand_id=brand_id, cause=job)


async def work_order(uow: Uow, brand_id: str, work_order_id: str) -> WorkOrderView:
    async with uow:
        row = await uow.repository.find(brand_id, work_order_id)
        if row is None:
            raise NotFound.of("work order", "work_order_id")
        return _view(row, await uow.repository.bundle(brand_id, work_order_id))


def _view(row: WorkOrderRow, bundle: BundleRow | None) -> WorkOrderView:
    profile = OutputProfile.model_validate(row.profile)
    ready = row.status == WorkOrderStatus.READY.value and bundle is not None
    return WorkOrderView(
        id=row.id, snapshot_id=row.snapshot_id, spec_hash=row.spec_hash, profile=profile.name,
        status=WorkOrderStatus(row.status), order_id=row.order_id, item_id=row.order_item_id,
        reason=row.reason,
        bundle_name=bundle.name if ready and bundle else None,
        object_key=bundle.object_key if ready and bundle else None,
        files=[BundleFile.model_validate(f) for f in bundle.manifest["files"]]
        if ready and bundle else [],
    )
