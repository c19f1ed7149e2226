"""Orphan fonts and photos: an object under ``fonts/`` or ``photos/`` that no brand's font or
photo names (the gateway stored it, then personalization never recorded it) is deleted by
housekeeping once past the grace period, on a local directory and on S3 (moto in server
mode)."""

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from atelier.contracts.catalog import CREATE_PRODUCT, REGISTER_FONT, SET_VIEW_PHOTO
from atelier.contracts.personalization import CreateProduct, RegisterFont, SetViewPhoto
from atelier.contracts.spec import PhotoRef, photo_object_key
from atelier.kit.housekeeping import Housekeeping
from atelier.kit.runtime import Runtime
from atelier.kit.storage import LocalStore, ObjectStore, S3Store
from atelier.kit.testing.plugin import running, unique
from atelier.personalization.bootstrap import bootstrap
from atelier.typeset.fonts import SHIPPED


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ObjectStore]:
    if request.param == "local":
        yield LocalStore(tmp_path / "objects")
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        yield S3Store(endpoint, "testing", "testing", unique("bucket-"), secure=False)


async def stored(store: ObjectStore, data: bytes) -> str:
    key = f"fonts/{hashlib.sha256(data).hexdigest()}"
    await store.put(key, data, "font/sfnt")  # as the gateway stores an upload
    return key


def housekeeping_at(runtime: Runtime, now: datetime) -> Housekeeping:
    """The service's own sweeps, on a clock of the test's."""
    housekeeping = Housekeeping(runtime.db, runtime.metrics, 3600, clock=lambda: now)
    for sweep in runtime.housekeeping.sweeps:
        housekeeping.add_sweep(sweep)
    return housekeeping


async def test_a_font_object_no_font_names_is_deleted_once_past_the_grace_period(
    settings_of, client_bus, store: ObjectStore
) -> None:
    runtime = bootstrap(settings_of("personalization", run_housekeeping=False), store)
    async with running(runtime):
        recorded = await stored(store, SHIPPED["dejavu-serif"].path.read_bytes())
        await client_bus.call(REGISTER_FONT, RegisterFont(object_key=recorded, filename="a.ttf"),
                              brand_id=unique("brand-"))
        orphan = await stored(store, SHIPPED["dejavu-sans"].path.read_bytes())  # never recorded
        await store.put("renders/abc/preview.png", b"png", "image/png")  # not a font: not ours
        now = datetime.now(UTC)
        # an upload in flight (stored, not yet recorded) is younger than the grace period
        assert await housekeeping_at(runtime, now).sweep_all() == {"fonts/": 0, "photos/": 0}
        later = housekeeping_at(runtime, now + timedelta(hours=1, minutes=5))
        # the recorded font is another brand's than the sweep's: swept across brands, it stays
        assert await later.sweep_all() == {"fonts/": 1, "photos/": 0}
        assert await later.sweep_all() == {"fonts/": 0, "photos/": 0}
    assert [o.key for o in await store.list_objects("")] == [
        recorded, "renders/abc/preview.png"
    ]
    assert orphan != recorded
    purged = runtime.metrics.registry.get_sample_value
    assert purged("atelier_objects_purged_total", {"prefix": "fonts/"}) == 1


async def test_a_photo_object_no_photo_names_is_deleted_once_past_the_grace_period(
    settings_of, client_bus, store: ObjectStore
) -> None:
    runtime = bootstrap(settings_of("personalization", run_housekeeping=False), store)
    brand = unique("brand-")
    async with running(runtime):
        product = await client_bus.call(CREATE_PRODUCT, CreateProduct.model_validate(
            CreateProduct.model_json_schema()["examples"][0]), brand_id=brand)
        photos = {}
        for name in ("recorded", "orphan"):
            sha256 = hashlib.sha256(name.encode()).hexdigest()
            photos[name] = photo_object_key(sha256)
            await store.put(photos[name], name.encode(), "image/png")  # as the gateway does
        await client_bus.call(SET_VIEW_PHOTO, SetViewPhoto(
            product_id=product.id, view=product.views[0].key, content_type="image/png",
            size_bytes=8, photo=PhotoRef(sha256=hashlib.sha256(b"recorded").hexdigest(),
                                         width_px=800, height_px=600)), brand_id=brand)
        later = housekeeping_at(runtime, datetime.now(UTC) + timedelta(hours=1, minutes=5))
        assert await later.sweep_all() == {"fonts/": 0, "photos/": 1}
    assert [o.key for o in await store.list_objects("photos/")] == [photos["recorded"]]
