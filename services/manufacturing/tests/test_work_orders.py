"""Work orders on the real Postgres and NATS: a snapshot's export queued, made by the worker,
stored and announced; regenerated to the same bytes; bad input refused with nothing queued; a
design that cannot be made parked with the reason. The snapshot and spec services are played
by fake responders on the same bus namespace (services never import each other)."""

import asyncio
import hashlib
import io
import json
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from atelier.contracts import Envelope
from atelier.contracts.catalog import (
    BUNDLE_FAILED,
    BUNDLE_READY,
    EXPORT_PACK,
    GET_BUNDLES,
    GET_SNAPSHOT,
    GET_SPEC,
    GET_WORK_ORDER,
    ITEM_RELEASED,
    LIST_PROFILES,
    MANUFACTURING_EXPORT,
    ORDER_PAID,
    REGENERATE_WORK_ORDER,
    SET_PRODUCT_PROFILE,
    SET_PROFILE,
    Message,
)
from atelier.contracts.commerce import ItemReleased, ItemToProduce, OrderPaid
from atelier.contracts.errors import ErrorCode
from atelier.contracts.manufacturing import (
    BundleList,
    ExportPack,
    GetBundles,
    GetWorkOrder,
    ListProfiles,
    OutputProfile,
    RegenerateWorkOrder,
    SetProductProfile,
    WorkOrderStatus,
    WorkOrderView,
)
from atelier.contracts.snapshot import GetSnapshot, SnapshotStatus, SnapshotView
from atelier.contracts.spec import DesignSpec, FontRef, GetSpec, StoredSpec
from atelier.kit.broker import Bus, brand_of, create_broker
from atelier.kit.db import asyncpg_dsn
from atelier.kit.errors import AtelierError, Conflict, Invalid, NotFound
from atelier.kit.runtime import Runtime
from atelier.kit.telemetry import Metrics
from atelier.kit.testing.fakes import InMemoryStore
from atelier.kit.testing.plugin import eventually, running, unique
from atelier.manufacturing.bootstrap import bootstrap
from atelier.manufacturing.domain import PROFILES

from .conftest import a_design, a_zone


class Snapshots:
    """The snapshot and spec services as far as manufacturing asks them: a brand's snapshots
    (another brand's are unknown) and their specs."""

    def __init__(self) -> None:
        self.snapshots: dict[tuple[str, str], tuple[SnapshotView, DesignSpec]] = {}
        self.unstored: set[str] = set()

    def add(self, brand: str, spec: DesignSpec,
            status: SnapshotStatus = SnapshotStatus.VALIDATED) -> str:
        snapshot_id = unique("snap-")
        spec_hash = hashlib.sha256(spec.model_dump_json().encode()).hexdigest()
        view = SnapshotView(id=snapshot_id, product_id=spec.product_id, spec_hash=spec_hash,
                            template_version=1, status=status, created_at=datetime.now(UTC))
        self.snapshots[(brand, snapshot_id)] = (view, spec)
        return snapshot_id

    async def get_snapshot(self, envelope: Envelope[GetSnapshot]) -> SnapshotView:
        try:
            return self.snapshots[(brand_of(envelope), envelope.data.snapshot_id)][0]
        except KeyError:
            raise NotFound.of("snapshot", "snapshot_id") from None

    async def get_spec(self, envelope: Envelope[GetSpec]) -> StoredSpec:
        if envelope.data.spec_hash in self.unstored:  # the spec service has yet to store it
            raise NotFound.of("spec", "spec_hash")
        for (brand, _), (view, spec) in self.snapshots.items():
            if brand == brand_of(envelope) and view.spec_hash == envelope.data.spec_hash:
                return StoredSpec(spec_hash=view.spec_hash, spec=spec, canonical_json="{}")
        raise NotFound.of("spec", "spec_hash")


@pytest.fixture
async def snapshots(settings_of) -> AsyncIterator[Snapshots]:
    fake = Snapshots()
    settings = settings_of("snapshot")
    metrics = Metrics("fake-snapshot")
    bus = Bus(create_broker(settings, metrics), settings, metrics)
    bus.serve(GET_SNAPSHOT, fake.get_snapshot)
    bus.serve(GET_SPEC, fake.get_spec)
    await bus.start()
    try:
        yield fake
    finally:
        await bus.stop()


@pytest.fixture
async def manufacturing(settings_of, snapshots) -> AsyncIterator[Runtime]:
    async with running(bootstrap(settings_of("manufacturing"), InMemoryStore())) as runtime:
        yield runtime


@pytest.fixture
async def db(settings_of) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(asyncpg_dsn(settings_of("manufacturing").database_url))
    try:
        yield conn
    finally:
        await conn.close()


async def outbox(db: asyncpg.Connection, brand: str, message: Message) -> list[Envelope]:
    rows = await db.fetch(
        "SELECT payload FROM manufacturing.outbox WHERE subject=$1 AND "
        "convert_from(payload, 'UTF8') LIKE $2 ORDER BY seq", message.subject, f"%{brand}%")
    model = Envelope[message.model]  # type: ignore[name-defined]
    return [model.model_validate_json(r["payload"]) for r in rows]


async def order_of(client_bus: Bus, brand: str, work_order_id: str) -> WorkOrderView:
    return await client_bus.call(GET_WORK_ORDER, GetWorkOrder(work_order_id=work_order_id),
                                 brand_id=brand)


async def settled(client_bus: Bus, brand: str, work_order_id: str) -> WorkOrderView:
    async def done() -> bool:
        status = (await order_of(client_bus, brand, work_order_id)).status
        return status in (WorkOrderStatus.READY, WorkOrderStatus.FAILED)

    await eventually(done)
    return await order_of(client_bus, brand, work_order_id)


async def test_a_validated_snapshot_is_made_into_a_stored_bundle(
    manufacturing, snapshots, client_bus, db
) -> None:
    brand = unique("brand-")
    snapshot_id = snapshots.add(brand, a_design())
    queued = await client_bus.call(EXPORT_PACK, ExportPack(snapshot_id=snapshot_id, sku="MUG"),
                                   brand_id=brand)
    assert (queued.status, queued.profile, queued.files) == (WorkOrderStatus.PENDING,
                                                             "standard", [])
    ready = await settled(client_bus, brand, queued.id)
    assert ready.status is WorkOrderStatus.READY and ready.object_key is not None
    data = await manufacturing.store.get(ready.object_key)
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["snapshot_id"] == snapshot_id and manifest["sku"] == "MUG"
    assert [f.model_dump() for f in ready.files] == manifest["files"]
    assert {f.name for f in ready.files} >= {f"{snapshot_id}-front.{x}"
                                             for x in ("svg", "dxf", "pdf", "png")}
    [event] = await outbox(db, brand, BUNDLE_READY)
    assert (event.data.work_order_id, event.data.object_key) == (queued.id, ready.object_key)
    assert event.data.sha256 == hashlib.sha256(data).hexdigest()
    with pytest.raises(NotFound):  # another brand never sees it
        await order_of(client_bus, unique("brand-"), queued.id)

    again = await client_bus.call(REGENERATE_WORK_ORDER,
                                  RegenerateWorkOrder(work_order_id=queued.id), brand_id=brand)
    assert again.status is WorkOrderStatus.PENDING
    await eventually(lambda: _count(db, brand, BUNDLE_READY, 2))
    remade = await settled(client_bus, brand, queued.id)
    assert await manufacturing.store.get(remade.object_key) == data  # byte-identical


async def _count(db: asyncpg.Connection, brand: str, message: Message, count: int) -> bool:
    return len(await outbox(db, brand, message)) >= count


async def nothing_queued(db: asyncpg.Connection, brand: str) -> bool:
    rows = await db.fetchval("SELECT count(*) FROM manufacturing.work_orders WHERE brand_id=$1",
                             brand)
    return rows == 0 and not await outbox(db, brand, MANUFACTURING_EXPORT)


@pytest.mark.parametrize("case", ["unvalidated", "other_brand", "unknown_profile", "unknown"])
async def test_bad_input_is_refused_and_nothing_is_queued(
    manufacturing, snapshots, client_bus, db, case: str
) -> None:
    brand, other = unique("brand-"), unique("brand-")
    request = {
        "unvalidated": ExportPack(snapshot_id=snapshots.add(brand, a_design(),
                                                            SnapshotStatus.CREATED)),
        "other_brand": ExportPack(snapshot_id=snapshots.add(other, a_design())),
        "unknown_profile": ExportPack(snapshot_id=snapshots.add(brand, a_design()),
                                      profile="no_such_profile"),
        "unknown": ExportPack(snapshot_id=unique("snap-")),
    }[case]
    expected: tuple[type[AtelierError], str, ErrorCode] = {
        "unvalidated": (Conflict, "snapshot_id", ErrorCode.SNAPSHOT_NOT_VALIDATED),
        "other_brand": (NotFound, "snapshot_id", ErrorCode.NOT_FOUND),
        "unknown_profile": (Invalid, "profile", ErrorCode.UNKNOWN_PROFILE),
        "unknown": (NotFound, "snapshot_id", ErrorCode.NOT_FOUND),
    }[case]
    with pytest.raises(expected[0]) as refused:
        await client_bus.call(EXPORT_PACK, request, brand_id=brand)
    [error] = refused.value.errors
    assert (error.field, error.code) == expected[1:]
    assert await nothing_queued(db, brand)


async def test_a_design_that_cannot_be_made_fails_with_the_reason(
    manufacturing, snapshots, client_bus, db
) -> None:
    brand = unique("brand-")
    missing = FontRef(id=unique("font-"), sha256="0" * 64)  # a brand font not in the store
    zone = a_zone("name", "Ada").model_copy(update={"font": missing})
    snapshot_id = snapshots.add(brand, a_design(zone))
    queued = await client_bus.call(EXPORT_PACK, ExportPack(snapshot_id=snapshot_id),
                                   brand_id=brand)
    failed = await settled(client_bus, brand, queued.id)
    assert failed.status is WorkOrderStatus.FAILED and failed.object_key is None
    assert failed.reason is not None and "object store" in failed.reason
    [event] = await outbox(db, brand, BUNDLE_FAILED)
    assert (event.data.work_order_id, event.data.reason) == (queued.id, failed.reason)


async def test_a_brands_own_profile_is_its_products_and_overrides_the_platforms(
    manufacturing, snapshots, client_bus, db
) -> None:
    brand = unique("brand-")
    glass = OutputProfile(name="glass", formats=("svg", "dxf"), mirror=True,
                          file_name="{order}-{sku}")
    assert await client_bus.call(SET_PROFILE, glass, brand_id=brand) == glass
    with pytest.raises(Invalid) as unknown:  # a product gets only a profile the brand knows
        await client_bus.call(SET_PRODUCT_PROFILE, SetProductProfile(
            product_id="p-1", profile="nope"), brand_id=brand)
    assert unknown.value.errors[0].code is ErrorCode.UNKNOWN_PROFILE
    await client_bus.call(SET_PRODUCT_PROFILE, SetProductProfile(
        product_id="p-1", profile="glass"), brand_id=brand)
    listed = await client_bus.call(LIST_PROFILES, ListProfiles(), brand_id=brand)
    assert {p.name for p in listed.profiles} == {"glass", *PROFILES}
    assert listed.products == {"p-1": "glass"}
    others = await client_bus.call(LIST_PROFILES, ListProfiles(), brand_id=unique("brand-"))
    assert {p.name for p in others.profiles} == set(PROFILES) and others.products == {}

    snapshot_id = snapshots.add(brand, a_design())  # of product p-1, no profile named
    queued = await client_bus.call(EXPORT_PACK, ExportPack(
        snapshot_id=snapshot_id, order_id="1001", sku="GLASS-1"), brand_id=brand)
    assert queued.profile == "glass"
    ready = await settled(client_bus, brand, queued.id)
    assert ready.bundle_name == "1001-GLASS-1.zip"
    assert {f.name.rsplit(".", 1)[-1] for f in ready.files} == {"svg", "dxf", "pdf", "txt"}


async def test_a_job_redelivered_after_its_order_is_ready_makes_nothing_again(
    manufacturing, snapshots, client_bus, db
) -> None:
    brand = unique("brand-")
    queued = await client_bus.call(EXPORT_PACK, ExportPack(
        snapshot_id=snapshots.add(brand, a_design())), brand_id=brand)
    await settled(client_bus, brand, queued.id)
    [job] = await outbox(db, brand, MANUFACTURING_EXPORT)
    # past JetStream's dedup window, only the work order's state tells it from a new job
    await client_bus.publish_raw(MANUFACTURING_EXPORT.subject, job.model_dump_json().encode(),
                                 {"Nats-Msg-Id": f"{job.id}-late"})

    async def handled_twice() -> bool:
        js = client_bus.broker.connection.jetstream()
        info = await js.consumer_info(client_bus.stream(MANUFACTURING_EXPORT.subject),
                                      "manufacturing-export")
        return info.delivered.consumer_seq >= 2 and not info.num_ack_pending

    await eventually(handled_twice)
    assert len(await outbox(db, brand, BUNDLE_READY)) == 1
    assert (await order_of(client_bus, brand, queued.id)).status is WorkOrderStatus.READY


class HeldStore(InMemoryStore):
    """A store whose writes wait until ``release`` is set: the bundle made, not yet stored."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self.release.wait()
        await super().put(key, data, content_type)


async def test_an_order_shows_generating_while_its_bundle_is_made(
    settings_of, snapshots, client_bus
) -> None:
    store = HeldStore()
    async with running(bootstrap(settings_of("manufacturing"), store)):
        brand = unique("brand-")
        queued = await client_bus.call(EXPORT_PACK, ExportPack(
            snapshot_id=snapshots.add(brand, a_design())), brand_id=brand)

        async def generating() -> bool:
            order = await order_of(client_bus, brand, queued.id)
            return order.status is WorkOrderStatus.GENERATING

        await eventually(generating)
        store.release.set()
        assert (await settled(client_bus, brand, queued.id)).status is WorkOrderStatus.READY


async def test_an_export_past_its_time_fails_with_the_reason(
    settings_of, snapshots, client_bus, db
) -> None:
    settings = settings_of("manufacturing", job_timeout_s=0.001)
    async with running(bootstrap(settings, InMemoryStore())):
        brand = unique("brand-")
        queued = await client_bus.call(EXPORT_PACK, ExportPack(
            snapshot_id=snapshots.add(brand, a_design())), brand_id=brand)
        failed = await settled(client_bus, brand, queued.id)
    assert failed.status is WorkOrderStatus.FAILED
    assert failed.reason == "the export ran past its 0.001 s"
    [event] = await outbox(db, brand, BUNDLE_FAILED)
    assert event.data.reason == failed.reason


async def test_a_paid_orders_items_get_one_bundle_each_however_often_it_comes(
    manufacturing, snapshots, client_bus, db
) -> None:
    """``order.paid`` twice (another envelope: a replay, or a second emission) and its held
    item released later: a work order per item, never two, listed by the order."""
    brand, order_id = unique("brand-"), unique("order-")
    first, second = (snapshots.add(brand, a_design(), SnapshotStatus.LOCKED) for _ in range(2))
    items = [ItemToProduce(item_id=f"item-{n}", snapshot_id=s, product_id="p-1", quantity=1)
             for n, s in enumerate((first, second))]
    paid = OrderPaid(order_id=order_id, order_name="#1042", items=items[:1])
    released = ItemReleased(order_id=order_id, item=items[1], by="ops@brand")
    for message, data in ((ORDER_PAID, paid), (ORDER_PAID, paid), (ITEM_RELEASED, released)):
        event = Envelope[type(data)](  # type: ignore[misc,operator]
            type=message.type, producer="commerce", brand_id=brand, data=data)
        await client_bus.publish_raw(message.subject, event.model_dump_json().encode(),
                                     {"Nats-Msg-Id": event.id})

    async def both_ready() -> BundleList | None:
        found: BundleList = await client_bus.call(GET_BUNDLES, GetBundles(order_id=order_id),
                                                  brand_id=brand)
        statuses = [w.status for w in found.work_orders]
        return found if statuses == [WorkOrderStatus.READY] * 2 else None

    found = await eventually(both_ready, timeout=30)
    await asyncio.sleep(1)  # the second order.paid had its chance
    assert sorted(w.item_id or "" for w in found.work_orders) == ["item-0", "item-1"]
    count = await db.fetchval(
        "SELECT count(*) FROM manufacturing.work_orders WHERE brand_id=$1", brand)
    assert count == 2
    events = await outbox(db, brand, BUNDLE_READY)
    assert sorted((e.data.order_id, e.data.item_id) for e in events) == [
        (order_id, "item-0"), (order_id, "item-1")]


async def test_an_item_whose_snapshot_cannot_be_made_fails_at_once_with_the_reason(
    manufacturing, snapshots, client_bus, db
) -> None:
    brand, order_id = unique("brand-"), unique("order-")
    unvalidated = snapshots.add(brand, a_design(), SnapshotStatus.CREATED)
    items = [ItemToProduce(item_id=unique("item-"), snapshot_id=s, product_id="p-1", quantity=1)
             for s in (unique("snap-"), unvalidated)]
    event = Envelope[OrderPaid](type=ORDER_PAID.type, producer="commerce", brand_id=brand,
                                data=OrderPaid(order_id=order_id, items=items))
    await client_bus.publish_raw(ORDER_PAID.subject, event.model_dump_json().encode(),
                                 {"Nats-Msg-Id": event.id})
    failed = await eventually(lambda: _count(db, brand, BUNDLE_FAILED, 2), timeout=30)
    assert failed
    reasons = sorted(e.data.reason for e in await outbox(db, brand, BUNDLE_FAILED))
    assert reasons == ["the item cannot be made: its snapshot is created, not validated or "
                       "locked", "the item cannot be made: its snapshot is not one of this "
                       "brand's"]
    assert await outbox(db, brand, MANUFACTURING_EXPORT) == []  # nothing queued


async def test_an_export_before_the_spec_is_stored_is_unavailable_for_a_moment(
    manufacturing, snapshots, client_bus, db
) -> None:
    """The spec service stores a snapshot's spec from its event, a moment later: an export
    asked in that moment is a 503 with Retry-After, not a 404, and nothing is queued."""
    brand = unique("brand-")
    snapshot_id = snapshots.add(brand, a_design())
    snapshots.unstored.add(snapshots.snapshots[(brand, snapshot_id)][0].spec_hash)
    with pytest.raises(AtelierError) as refused:
        await client_bus.call(EXPORT_PACK, ExportPack(snapshot_id=snapshot_id), brand_id=brand)
    assert (refused.value.status, refused.value.retry_after_s) == (503, 1)
    assert await nothing_queued(db, brand)
