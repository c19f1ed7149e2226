"""The render service's use cases through ``bootstrap()`` with the kit's fakes: snapshot events
and preview jobs delivered as the bus delivers them, without NATS or Postgres (test_render.py
runs the real ones, redelivery, dead letters and replicas included)."""

import hashlib
import io

import pytest
from PIL import Image

from atelier.contracts import Envelope
from atelier.contracts.catalog import (
    GET_PREVIEW,
    RENDER_COMPLETED,
    RENDER_FAILED,
    RENDER_PREVIEW,
    SNAPSHOT_CREATED,
)
from atelier.contracts.render import GetPreview, RenderCompleted, RenderStatus
from atelier.contracts.snapshot import SnapshotCreated
from atelier.contracts.spec import DesignSpecV1, FontRef
from atelier.kit.delivery import Outcome
from atelier.kit.errors import NotFound
from atelier.kit.runtime import Runtime
from atelier.kit.testing.fakes import FakeUnits, envelope
from atelier.render import domain
from atelier.render.bootstrap import bootstrap
from atelier.render.settings import RenderSettings

from .conftest import StoreDown, a_spec
from .fakes import FakeRenderRepository

BRAND = "brand-a"
MISSING_FONT = FontRef(id="brand-font-that-is-not-there", sha256="1" * 64)


@pytest.fixture
def units() -> FakeUnits[FakeRenderRepository]:
    return FakeUnits(FakeRenderRepository(), RenderSettings.service)


@pytest.fixture
def store() -> StoreDown:
    store = StoreDown()
    store.up = True
    return store


@pytest.fixture
def render(units, store) -> Runtime:
    return bootstrap(RenderSettings(max_deliver=3), store, units=units)


def snapshot_created(spec: DesignSpecV1, snapshot_id: str = "snap-1") -> Envelope[SnapshotCreated]:
    spec_hash = hashlib.sha256(spec.model_dump_json().encode()).hexdigest()
    data = SnapshotCreated(snapshot_id=snapshot_id, spec_hash=spec_hash, spec=spec)
    return envelope(SNAPSHOT_CREATED, data, brand_id=BRAND, producer="snapshot")


async def deliver_job(render: Runtime, units: FakeUnits, delivered: int = 1) -> Outcome:
    """Deliver the last preview job emitted, as the relay and JetStream would."""
    *_, job = (e for e in units.emitted if e.type == RENDER_PREVIEW.type)
    return await render.bus.handle(RENDER_PREVIEW, job, delivered=delivered)


# --- a new design --------------------------------------------------------------------------------
async def test_a_snapshot_queues_a_preview_that_is_drawn_stored_and_announced(
    render, units, store
) -> None:
    event = snapshot_created(a_spec())
    spec_hash = event.data.spec_hash
    assert (await render.bus.handle(SNAPSHOT_CREATED, event)).verdict == "ack"
    [job] = units.emitted_data(RENDER_PREVIEW)
    assert (job.spec_hash, job.snapshot_id) == (spec_hash, "snap-1")
    assert units.repository.renders[BRAND, spec_hash].status == RenderStatus.PENDING

    outcome = await deliver_job(render, units)
    assert outcome.verdict == "ack"
    key = domain.preview_key(spec_hash)
    image = Image.open(io.BytesIO(await store.get(key)))
    assert (image.format, image.size) == ("PNG", (600, 125))
    assert units.emitted_data(RENDER_COMPLETED) == [RenderCompleted(
        spec_hash=spec_hash, object_key=key, content_type="image/png", width_px=600,
        height_px=125, snapshot_id="snap-1")]
    [completed] = [e for e in units.emitted if e.type == RENDER_COMPLETED.type]
    assert completed.correlation_id == event.correlation_id  # the shopper's request, traced

    status = await render.bus.handle(
        GET_PREVIEW, envelope(GET_PREVIEW, GetPreview(spec_hash=spec_hash), brand_id=BRAND))
    assert (status.status, status.object_key) == (RenderStatus.READY, key)


async def test_the_same_event_and_the_same_job_again_change_nothing(render, units) -> None:
    event = snapshot_created(a_spec())
    await render.bus.handle(SNAPSHOT_CREATED, event)
    await deliver_job(render, units)
    emitted = list(units.emitted)
    await render.bus.handle(SNAPSHOT_CREATED, event, delivered=2)  # the inbox knows it
    job = next(e for e in units.emitted if e.type == RENDER_PREVIEW.type)
    late = job.model_copy(update={"id": f"{job.id}-late"})  # after JetStream's dedup window
    assert (await render.bus.handle(RENDER_PREVIEW, late)).verdict == "ack"
    assert units.emitted == emitted


# --- the same design again: a cache hit ----------------------------------------------------------
async def test_the_same_design_again_repeats_the_settled_outcome(render, units) -> None:
    await render.bus.handle(SNAPSHOT_CREATED, snapshot_created(a_spec(), "snap-1"))
    await render.bus.handle(SNAPSHOT_CREATED, snapshot_created(a_spec(), "snap-2"))
    assert len(units.emitted_data(RENDER_PREVIEW)) == 1  # pending: its job answers for both
    await deliver_job(render, units)
    await render.bus.handle(SNAPSHOT_CREATED, snapshot_created(a_spec(), "snap-3"))
    assert [c.snapshot_id for c in units.emitted_data(RENDER_COMPLETED)] == ["snap-1", "snap-3"]
    assert len(units.emitted_data(RENDER_PREVIEW)) == 1


# --- failures ------------------------------------------------------------------------------------
async def test_an_undrawable_design_is_poison_and_fails_for_good(render, units) -> None:
    event = snapshot_created(a_spec(font=MISSING_FONT))
    await render.bus.handle(SNAPSHOT_CREATED, event)
    outcome = await deliver_job(render, units)
    assert (outcome.verdict, outcome.poison) == ("dead_letter", True)
    assert "is neither a shipped font nor in the object store" in outcome.reason
    row = units.repository.renders[BRAND, event.data.spec_hash]
    assert (row.status, row.reason, row.retryable) == (RenderStatus.FAILED, outcome.reason, False)
    [failed] = units.emitted_data(RENDER_FAILED)
    assert (failed.reason, failed.snapshot_id) == (outcome.reason, "snap-1")

    await render.bus.handle(SNAPSHOT_CREATED, snapshot_created(a_spec(font=MISSING_FONT), "s-2"))
    assert [f.snapshot_id for f in units.emitted_data(RENDER_FAILED)] == ["snap-1", "s-2"]
    assert len(units.emitted_data(RENDER_PREVIEW)) == 1  # not tried again


async def test_a_preview_given_up_on_transient_faults_is_tried_again_on_the_next_request(
    render, units, store
) -> None:
    store.up = False
    event = snapshot_created(a_spec())
    await render.bus.handle(SNAPSHOT_CREATED, event)
    retry = await deliver_job(render, units)
    assert retry.verdict == "retry"
    assert units.emitted_data(RENDER_FAILED) == []  # still pending: the widget waits
    last = await deliver_job(render, units, delivered=3)
    assert (last.verdict, last.poison) == ("dead_letter", False)
    row = units.repository.renders[BRAND, event.data.spec_hash]
    assert (row.status, row.retryable) == (RenderStatus.FAILED, True)
    assert [f.reason for f in units.emitted_data(RENDER_FAILED)] == [last.reason]

    store.up = True
    await render.bus.handle(SNAPSHOT_CREATED, snapshot_created(a_spec(), "snap-2"))
    assert len(units.emitted_data(RENDER_PREVIEW)) == 2
    outcome = await deliver_job(render, units)
    assert outcome.verdict == "ack"
    assert [c.snapshot_id for c in units.emitted_data(RENDER_COMPLETED)] == ["snap-2"]
    assert units.repository.renders[BRAND, event.data.spec_hash].reason is None


async def test_another_brands_preview_or_an_unknown_one_does_not_exist(render, units) -> None:
    event = snapshot_created(a_spec())
    await render.bus.handle(SNAPSHOT_CREATED, event)
    for brand, spec_hash in (("brand-b", event.data.spec_hash), (BRAND, "0" * 64)):
        query = envelope(GET_PREVIEW, GetPreview(spec_hash=spec_hash), brand_id=brand)
        with pytest.raises(NotFound):
            await render.bus.handle(GET_PREVIEW, query)
