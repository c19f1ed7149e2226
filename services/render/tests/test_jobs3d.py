"""The glb and usdz kinds through the render service's handlers (fakes for Postgres and NATS):
queued for every snapshot of a product that has a 3D model and on request, drawn, stored under
the design's hash with their content types, and a cache hit the second time."""

import hashlib
import io
import zipfile

import pytest

from atelier.contracts.catalog import (
    RENDER_COMPLETED,
    RENDER_GLB,
    RENDER_JOBS,
    RENDER_MOCKUP,
    RENDER_THUMBNAIL,
    RENDER_USDZ,
    REQUEST_RENDER,
    SNAPSHOT_CREATED,
)
from atelier.contracts.render import RenderKind, RenderStatus, RequestRender
from atelier.contracts.snapshot import SnapshotCreated
from atelier.contracts.spec import DesignSpec
from atelier.kit.errors import Invalid
from atelier.kit.runtime import Runtime
from atelier.kit.testing.fakes import FakeUnits, envelope
from atelier.kit.testing.readers3d import assert_valid_glb, usd_errors
from atelier.render.bootstrap import bootstrap
from atelier.render.settings import RenderSettings

from .conftest import a_spec
from .test_model3d import mug

BRAND = "brand-3d"


@pytest.fixture
def render(units, store) -> Runtime:
    return bootstrap(RenderSettings(), store, units=units)


def snapshot_created(spec: DesignSpec, snapshot_id: str) -> object:
    spec_hash = hashlib.sha256(spec.model_dump_json().encode()).hexdigest()
    return envelope(SNAPSHOT_CREATED, SnapshotCreated(snapshot_id=snapshot_id,
                                                      spec_hash=spec_hash, spec=spec),
                    brand_id=BRAND, producer="snapshot")


async def deliver_all(render: Runtime, units: FakeUnits, kind: RenderKind) -> None:
    message = RENDER_JOBS[kind]
    for job in [e for e in units.emitted if e.type == message.type]:
        assert (await render.bus.handle(message, job)).verdict == "ack"


async def test_a_snapshot_of_a_product_with_a_model_gets_its_glb_and_usdz(
    render, units, store
) -> None:
    event = snapshot_created(mug(), "snap-mug")
    assert (await render.bus.handle(SNAPSHOT_CREATED, event)).verdict == "ack"
    for message in (RENDER_MOCKUP, RENDER_THUMBNAIL, RENDER_GLB, RENDER_USDZ):
        assert len(units.emitted_data(message)) == 1, message.subject
    [glb_job] = units.emitted_data(RENDER_GLB)
    assert (glb_job.view, glb_job.format, glb_job.variant) == (None, None, "model.glb")

    for kind in (RenderKind.GLB, RenderKind.USDZ):
        await deliver_all(render, units, kind)
    done = {c.kind: c for c in units.emitted_data(RENDER_COMPLETED)}
    spec_hash = event.data.spec_hash  # type: ignore[attr-defined]
    assert done["glb"].object_key == f"renders/{spec_hash}/glb-model.glb"
    assert done["glb"].content_type == "model/gltf-binary"
    assert done["usdz"].object_key == f"renders/{spec_hash}/usdz-model.usdz"
    assert done["usdz"].content_type == "model/vnd.usdz+zip"
    assert (done["glb"].view, done["glb"].snapshot_id) == ("", "snap-mug")
    assert (done["glb"].width_px, done["glb"].height_px) == (1800, 800)  # its texture's
    assert_valid_glb(await store.get(done["glb"].object_key))
    usdz = await store.get(done["usdz"].object_key)
    assert usd_errors(usdz) == []
    assert zipfile.ZipFile(io.BytesIO(usdz)).namelist()[0] == "product.usdc"


async def test_the_same_design_again_is_a_cache_hit(render, units) -> None:
    await render.bus.handle(SNAPSHOT_CREATED, snapshot_created(mug(), "snap-1"))
    await deliver_all(render, units, RenderKind.GLB)
    await render.bus.handle(SNAPSHOT_CREATED, snapshot_created(mug(), "snap-2"))
    assert len(units.emitted_data(RENDER_GLB)) == 1  # no second job
    told = [c for c in units.emitted_data(RENDER_COMPLETED) if c.kind == "glb"]
    assert [c.snapshot_id for c in told] == ["snap-1", "snap-2"]
    assert told[0].object_key == told[1].object_key


async def test_a_model_is_asked_for_on_demand(render, units) -> None:
    spec = mug()
    data = RequestRender(spec_hash="9a" * 32, spec=spec, kind=RenderKind.USDZ)
    state = await render.bus.handle(REQUEST_RENDER, envelope(REQUEST_RENDER, data,
                                                             brand_id=BRAND), request_key="k")
    assert state.status == RenderStatus.PENDING
    assert [(a.kind, a.view, a.variant) for a in state.assets] == [("usdz", "", "model.usdz")]
    assert [j.kind for j in units.emitted_data(RENDER_USDZ)] == [RenderKind.USDZ]


async def test_a_model_of_a_product_without_one_is_refused(render, units) -> None:
    data = RequestRender(spec_hash="9b" * 32, spec=a_spec(), kind=RenderKind.GLB)
    with pytest.raises(Invalid) as refused:
        await render.bus.handle(REQUEST_RENDER, envelope(REQUEST_RENDER, data, brand_id=BRAND),
                                request_key="k")
    [error] = refused.value.errors
    assert (error.field, error.message) == ("kind", "the product has no 3D model")
    assert units.emitted == []
