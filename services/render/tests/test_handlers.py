"""The render service's use cases through ``bootstrap()`` with the kit's fakes: snapshot events,
render requests and jobs of every kind delivered as the bus delivers them, without NATS or
Postgres (test_render.py runs the real ones, redelivery, dead letters and replicas included)."""

import hashlib
import io

import pytest
from PIL import Image

from atelier.contracts import Envelope
from atelier.contracts.catalog import (
    GET_RENDER,
    RENDER_COMPLETED,
    RENDER_FAILED,
    RENDER_GLB,
    RENDER_JOBS,
    RENDER_MOCKUP,
    RENDER_PREVIEW,
    RENDER_THUMBNAIL,
    RENDER_USDZ,
    RENDER_ZONE,
    REQUEST_RENDER,
    SNAPSHOT_CREATED,
)
from atelier.contracts.render import (
    GetRender,
    RenderCompleted,
    RenderKind,
    RenderPreview,
    RenderStatus,
    RequestRender,
)
from atelier.contracts.snapshot import SnapshotCreated
from atelier.contracts.spec import DesignSpecV1, FontRef
from atelier.kit.delivery import Outcome
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.runtime import Runtime
from atelier.kit.testing.fakes import FakeUnits, envelope
from atelier.render.bootstrap import bootstrap
from atelier.render.models import RenderResult
from atelier.render.repository import Output
from atelier.render.settings import RenderSettings

from .conftest import a_spec

BRAND = "brand-a"
MISSING_FONT = FontRef(id="brand-font-that-is-not-there", sha256="1" * 64)
MOCKUP_KEY = "front.jpg"  # a version 1 spec's one view, as a JPEG


def row(units: FakeUnits, spec_hash: str, variant: str = MOCKUP_KEY, kind: str = "mockup"):
    return units.repository.renders[Output(BRAND, spec_hash, kind, variant)]


@pytest.fixture
def render(units, store) -> Runtime:
    return bootstrap(RenderSettings(max_deliver=3), store, units=units)


def snapshot_created(spec: DesignSpecV1, snapshot_id: str = "snap-1") -> Envelope[SnapshotCreated]:
    spec_hash = hashlib.sha256(spec.model_dump_json().encode()).hexdigest()
    data = SnapshotCreated(snapshot_id=snapshot_id, spec_hash=spec_hash, spec=spec)
    return envelope(SNAPSHOT_CREATED, data, brand_id=BRAND, producer="snapshot")


async def deliver_job(render: Runtime, units: FakeUnits, delivered: int = 1,
                      kind: RenderKind = RenderKind.MOCKUP) -> Outcome:
    """Deliver the last job of ``kind`` emitted, as the relay and JetStream would."""
    message = RENDER_JOBS[kind]
    *_, job = (e for e in units.emitted if e.type == message.type)
    return await render.bus.handle(message, job, delivered=delivered)


# --- a new design --------------------------------------------------------------------------------
async def test_a_snapshot_queues_a_mockup_that_is_drawn_stored_and_announced(
    render, units, store
) -> None:
    event = snapshot_created(a_spec())
    spec_hash = event.data.spec_hash
    assert (await render.bus.handle(SNAPSHOT_CREATED, event)).verdict == "ack"
    [job] = units.emitted_data(RENDER_MOCKUP)
    assert (job.spec_hash, job.snapshot_id, job.kind, job.view, job.variant) == (
        spec_hash, "snap-1", RenderKind.MOCKUP, "front", MOCKUP_KEY)
    assert row(units, spec_hash).status == RenderStatus.PENDING
    [thumbnail] = units.emitted_data(RENDER_THUMBNAIL)  # and its thumbnail; no 3D model: the
    assert (thumbnail.kind, thumbnail.view) == (RenderKind.THUMBNAIL, "front")  # product has
    assert not units.emitted_data(RENDER_GLB) and not units.emitted_data(RENDER_USDZ)  # none

    outcome = await deliver_job(render, units, kind=RenderKind.MOCKUP)
    assert outcome.verdict == "ack"
    key = f"renders/{spec_hash}/mockup-front.jpg"
    image = Image.open(io.BytesIO(await store.get(key)))
    assert (image.format, image.size) == ("JPEG", (600, 125))
    assert units.emitted_data(RENDER_COMPLETED) == [RenderCompleted(
        spec_hash=spec_hash, kind="mockup", view="front", object_key=key,
        content_type="image/jpeg", width_px=600, height_px=125, snapshot_id="snap-1")]
    [completed] = [e for e in units.emitted if e.type == RENDER_COMPLETED.type]
    assert completed.correlation_id == event.correlation_id  # the shopper's request, traced

    state = await render.bus.handle(
        GET_RENDER, envelope(GET_RENDER, GetRender(spec_hash=spec_hash), brand_id=BRAND))
    [asset] = [a for a in state.assets if a.kind == "mockup"]
    assert (state.status, asset.status, asset.view, asset.object_key) == (
        RenderStatus.PENDING, RenderStatus.READY, "front", key)  # the thumbnail is pending


async def test_a_job_of_version_1_is_still_drawn_as_the_first_views_mockup(
    render, units, store
) -> None:
    spec = a_spec()
    spec_hash = "ab" * 32
    old = envelope(RENDER_PREVIEW, RenderPreview(spec_hash=spec_hash, spec=spec,
                                                  snapshot_id="snap-0"), brand_id=BRAND)
    # queued by a snapshot before the upgrade: its row is the first view's mockup's now
    units.repository.renders[Output(BRAND, spec_hash, "mockup", MOCKUP_KEY)] = RenderResult(
        brand_id=BRAND, spec_hash=spec_hash, kind="mockup", variant=MOCKUP_KEY,
        status=RenderStatus.PENDING)
    assert (await render.bus.handle(RENDER_PREVIEW, old)).verdict == "ack"
    [completed] = units.emitted_data(RENDER_COMPLETED)
    assert (completed.kind, completed.view, completed.snapshot_id) == ("mockup", "front",
                                                                       "snap-0")
    assert await store.get(completed.object_key)


# --- every kind ----------------------------------------------------------------------------------
async def request(render: Runtime, spec_hash: str, spec: DesignSpecV1, key: str = "k",
                  **asked: object):
    data = RequestRender(spec_hash=spec_hash, spec=spec, **asked)  # type: ignore[arg-type]
    return await render.bus.handle(REQUEST_RENDER, envelope(REQUEST_RENDER, data,
                                                            brand_id=BRAND), request_key=key)


async def test_a_thumbnail_is_200_px_square(render, units, store) -> None:
    state = await request(render, "cd" * 32, a_spec(), kind=RenderKind.THUMBNAIL)
    assert state.status == RenderStatus.PENDING
    assert (await deliver_job(render, units, kind=RenderKind.THUMBNAIL)).verdict == "ack"
    [done] = units.emitted_data(RENDER_COMPLETED)
    image = Image.open(io.BytesIO(await store.get(done.object_key)))
    assert done.object_key.endswith("/thumbnail-front.jpg")
    assert (image.format, image.size, done.width_px, done.height_px) == (
        "JPEG", (200, 200), 200, 200)


async def test_a_zone_texture_is_transparent_where_nothing_is_drawn(render, units, store) -> None:
    await request(render, "ef" * 32, a_spec(), kind=RenderKind.ZONE, view="name", px_per_mm=20)
    [job] = units.emitted_data(RENDER_ZONE)
    assert job.variant == "name@20.png"
    assert (await deliver_job(render, units, kind=RenderKind.ZONE)).verdict == "ack"
    [done] = units.emitted_data(RENDER_COMPLETED)
    image = Image.open(io.BytesIO(await store.get(done.object_key)))
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (1200, 250))
    alpha = image.getchannel("A")
    assert alpha.getpixel((0, 0)) == 0 and alpha.getextrema() == (0, 255)  # ink is opaque
    ink = [pixel for pixel in image.get_flattened_data() if pixel[3] == 255]
    assert ink and {pixel[:3] for pixel in ink} == {(0x11, 0x22, 0x33)}  # the zone's colour


async def test_a_mockup_is_encoded_in_the_format_asked_for(render, units, store) -> None:
    await request(render, "12" * 32, a_spec(), format="webp")
    assert (await deliver_job(render, units)).verdict == "ack"
    [done] = units.emitted_data(RENDER_COMPLETED)
    image = Image.open(io.BytesIO(await store.get(done.object_key)))
    assert (done.content_type, image.format, image.size) == ("image/webp", "WEBP", (600, 125))


async def test_the_same_request_again_is_answered_from_the_cache(render, units) -> None:
    spec_hash = "34" * 32
    await request(render, spec_hash, a_spec(), key="first")
    await deliver_job(render, units)
    again = await request(render, spec_hash, a_spec(), key="second")
    assert again.status == RenderStatus.READY and again.assets[0].object_key
    assert len(units.emitted_data(RENDER_MOCKUP)) == 1  # no second job


async def test_a_request_for_a_view_the_design_lacks_is_refused(render, units) -> None:
    with pytest.raises(Invalid):
        await request(render, "56" * 32, a_spec(), view="lid")
    assert units.emitted == []


async def test_a_job_past_its_time_fails_with_the_reason_and_stays_retryable(
    units, store
) -> None:
    render = bootstrap(RenderSettings(job_timeout_s=1e-6), store, units=units)
    spec_hash = "78" * 32
    await request(render, spec_hash, a_spec())
    assert (await deliver_job(render, units)).verdict == "ack"
    [failed] = units.emitted_data(RENDER_FAILED)
    assert failed.reason == "the render ran past its 1e-06 s"
    assert (failed.kind, failed.view) == ("mockup", "front")
    assert (row(units, spec_hash).status, row(units, spec_hash).retryable) == (
        RenderStatus.FAILED, True)
    assert units.emitted_data(RENDER_COMPLETED) == []


async def test_the_same_event_and_the_same_job_again_change_nothing(render, units) -> None:
    event = snapshot_created(a_spec())
    await render.bus.handle(SNAPSHOT_CREATED, event)
    await deliver_job(render, units)
    emitted = list(units.emitted)
    await render.bus.handle(SNAPSHOT_CREATED, event, delivered=2)  # the inbox knows it
    job = next(e for e in units.emitted if e.type == RENDER_MOCKUP.type)
    late = job.model_copy(update={"id": f"{job.id}-late"})  # after JetStream's dedup window
    assert (await render.bus.handle(RENDER_MOCKUP, late)).verdict == "ack"
    assert units.emitted == emitted


# --- the same design again: a cache hit ----------------------------------------------------------
async def test_the_same_design_again_repeats_the_settled_outcome(render, units) -> None:
    await render.bus.handle(SNAPSHOT_CREATED, snapshot_created(a_spec(), "snap-1"))
    await render.bus.handle(SNAPSHOT_CREATED, snapshot_created(a_spec(), "snap-2"))
    assert len(units.emitted_data(RENDER_MOCKUP)) == 1  # pending: its job answers for both
    await deliver_job(render, units)
    await render.bus.handle(SNAPSHOT_CREATED, snapshot_created(a_spec(), "snap-3"))
    assert [c.snapshot_id for c in units.emitted_data(RENDER_COMPLETED)] == ["snap-1", "snap-3"]
    assert len(units.emitted_data(RENDER_MOCKUP)) == 1


# --- failures ------------------------------------------------------------------------------------
async def test_an_undrawable_design_is_poison_and_fails_for_good(render, units) -> None:
    event = snapshot_created(a_spec(font=MISSING_FONT))
    await render.bus.handle(SNAPSHOT_CREATED, event)
    outcome = await deliver_job(render, units)
    assert (outcome.verdict, outcome.poison) == ("dead_letter", True)
    assert "is neither a shipped font nor in the object store" in outcome.reason
    stored = row(units, event.data.spec_hash)
    assert (stored.status, stored.reason, stored.retryable) == (
        RenderStatus.FAILED, outcome.reason, False)
    [failed] = units.emitted_data(RENDER_FAILED)
    assert (failed.reason, failed.snapshot_id) == (outcome.reason, "snap-1")

    await render.bus.handle(SNAPSHOT_CREATED, snapshot_created(a_spec(font=MISSING_FONT), "s-2"))
    assert [f.snapshot_id for f in units.emitted_data(RENDER_FAILED)] == ["snap-1", "s-2"]
    assert len(units.emitted_data(RENDER_MOCKUP)) == 1  # not tried again


async def test_a_mockup_given_up_on_transient_faults_is_tried_again_on_the_next_request(
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
    stored = row(units, event.data.spec_hash)
    assert (stored.status, stored.retryable) == (RenderStatus.FAILED, True)
    assert [f.reason for f in units.emitted_data(RENDER_FAILED)] == [last.reason]

    store.up = True
    await render.bus.handle(SNAPSHOT_CREATED, snapshot_created(a_spec(), "snap-2"))
    assert len(units.emitted_data(RENDER_MOCKUP)) == 2
    outcome = await deliver_job(render, units)
    assert outcome.verdict == "ack"
    assert [c.snapshot_id for c in units.emitted_data(RENDER_COMPLETED)] == ["snap-2"]
    assert row(units, event.data.spec_hash).reason is None


async def test_another_brands_render_or_an_unknown_one_does_not_exist(render, units) -> None:
    event = snapshot_created(a_spec())
    await render.bus.handle(SNAPSHOT_CREATED, event)
    for brand, spec_hash in (("brand-b", event.data.spec_hash), (BRAND, "0" * 64)):
        query = envelope(GET_RENDER, GetRender(spec_hash=spec_hash), brand_id=brand)
        with pytest.raises(NotFound):
            await render.bus.handle(GET_RENDER, query)


# --- worker pools --------------------------------------------------------------------------------
def test_a_process_draws_only_the_kinds_of_its_pool(units, store) -> None:
    pool = bootstrap(RenderSettings(kinds=[RenderKind.THUMBNAIL, RenderKind.ZONE]), store,
                     units=units)
    assert sorted(name for _, name in pool.bus.consumers) == [
        "render-snapshot-created", "render-thumbnail", "render-zone"]
    mockups = bootstrap(RenderSettings(kinds=[RenderKind.MOCKUP]), store, units=units)
    # the mockup pool also drains the jobs of version 1 (job.render.preview)
    assert sorted(name for _, name in mockups.bus.consumers) == [
        "render-mockup", "render-preview", "render-snapshot-created"]


async def test_a_version_1_design_whose_stacked_zones_make_no_artboard_is_refused(
    render, units
) -> None:
    """Each zone within the bounds, but stacked they pass the largest artboard: a 422 with the
    reason (it was a 500)."""
    zone = a_spec().zones[0]
    tall = zone.model_copy(update={"height_mm": 900.0})
    spec = a_spec().model_copy(update={"zones": [tall.model_copy(update={"key": f"z{i}"})
                                                 for i in range(20)]})
    with pytest.raises(Invalid, match="cannot be made"):
        await request(render, "9a" * 32, spec)
    assert units.emitted == []
