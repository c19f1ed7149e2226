"""The widget-to-preview slice, end to end: every service is its own process, and the test talks
to the gateway over HTTP exactly as the widget and a brand's server do."""

import io
import uuid

import asyncpg
import httpx
import pytest
from PIL import Image, ImageChops

from atelier.devstack import photos
from atelier.devstack.demo import ORIGIN
from atelier.e2e.client import ready_preview
from atelier.e2e.system import System
from atelier.kit.db import asyncpg_dsn

pytestmark = pytest.mark.e2e


async def count_snapshots(database_url: str, brand_id: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return await conn.fetchval(
            "SELECT count(*) FROM snapshot.snapshots WHERE brand_id = $1", brand_id)
    finally:
        await conn.close()


async def test_widget_walks_the_slice(system: System) -> None:
    demo = await system.new_brand()
    async with system.widget(demo) as widget:
        config = await widget.get(f"/v1/widget/products/{demo.product_id}/config")
        assert config.status_code == 200, config.text
        assert config.headers["access-control-allow-origin"] == ORIGIN
        assert config.headers["etag"]
        zone = config.json()["zones"][0]
        assert zone["key"] == "name" and zone["width_mm"] == 60

        design = {"product_id": demo.product_id, "values": {"name": "Ade\u0301le"}}
        checked = await widget.post("/v1/personalization/validate", json=design)
        assert checked.status_code == 200, checked.text
        assert checked.json()["valid"] is True
        assert checked.json()["zones"][0]["value"] == "Ad\u00e9le"  # NFC: e + U+0301 composed

        bad = {"product_id": demo.product_id, "values": {"name": "x" * 21}}
        refused = (await widget.post("/v1/personalization/validate", json=bad)).json()
        assert refused["valid"] is False
        assert refused["zones"][0]["errors"][0]["code"] == "too_long"

        key = str(uuid.uuid4())
        created = await widget.post("/v1/snapshots", json=design, headers={"Idempotency-Key": key})
        assert created.status_code == 201, created.text
        snapshot = created.json()
        replayed = await widget.post("/v1/snapshots", json=design, headers={"Idempotency-Key": key})
        assert replayed.json()["id"] == snapshot["id"]

        ready = await ready_preview(widget, snapshot["id"])
        assert ready["spec_hash"] == snapshot["spec_hash"] and len(snapshot["spec_hash"]) == 64
        jpeg = await widget.get(ready["preview"]["url"])
        assert jpeg.status_code == 200 and jpeg.headers["content-type"] == "image/jpeg"
        assert "immutable" in jpeg.headers["cache-control"]

    # the mockup: the name engraved on the demo pen's photo (1200 × 500 px, scaled to 1024)
    image = Image.open(io.BytesIO(jpeg.content)).convert("RGB")
    assert image.size == (1024, 427)
    pen = Image.open(io.BytesIO(photos.pen_photo())).convert("RGB").resize(image.size)
    changed = ImageChops.difference(image, pen).point(lambda v: 255 if v > 40 else 0).getbbox()
    assert changed is not None  # the text is drawn, and only on the engravable band:
    scale = 1024 / 1200
    x0, y0 = photos.PEN_OFFSET
    band = (x0 * scale, y0 * scale, (x0 + 140 * photos.PEN_SCALE) * scale,
            (y0 + 14 * photos.PEN_SCALE) * scale)
    assert band[0] < changed[0] and changed[2] < band[2]
    assert band[1] < changed[1] and changed[3] < band[3]


async def test_same_design_gets_the_same_spec_and_preview(system: System) -> None:
    demo = await system.new_brand()
    design = {"product_id": demo.product_id, "values": {"name": "Grace"}}
    async with system.widget(demo) as widget:
        first = (await widget.post("/v1/snapshots", json=design)).json()
        second = (await widget.post("/v1/snapshots", json=design)).json()
        assert first["id"] != second["id"] and first["spec_hash"] == second["spec_hash"]
        a = await ready_preview(widget, first["id"])
        b = await ready_preview(widget, second["id"])
    assert a["preview"]["url"] == b["preview"]["url"]


async def test_bad_input_is_refused_and_nothing_is_written(system: System) -> None:
    demo = await system.new_brand()
    other = await system.new_brand()
    gateway = system.gateway_url
    design = {"product_id": demo.product_id, "values": {"name": "Ada"}}
    async with system.widget(other) as widget:
        foreign = (await widget.post("/v1/snapshots",
                                     json={**design, "product_id": other.product_id})).json()
    async with system.widget(demo) as widget:
        malformed = await widget.post("/v1/snapshots", content=b'{"product_id": ',
                                      headers={"Content-Type": "application/json"})
        unknown = await widget.post("/v1/snapshots",
                                    json={**design, "product_id": str(uuid.uuid4())})
        huge = await widget.post("/v1/snapshots",
                                 json={**design, "values": {"name": "x" * 200_000}})
        theirs = await widget.get(f"/v1/snapshots/{foreign['id']}")
        invalid = await widget.post("/v1/snapshots", json={"product_id": demo.product_id,
                                                           "values": {"name": "€"}})
    async with httpx.AsyncClient(base_url=gateway) as anonymous:
        wrong_key = await anonymous.post("/v1/snapshots", json=design,
                                         headers={"X-Atelier-Key": "pk_" + "x" * 32})
        no_key = await anonymous.post("/v1/snapshots", json=design)

    expected = [(malformed, 400, "malformed_json"), (unknown, 404, "not_found"),
                (huge, 413, "body_too_large"), (theirs, 404, "not_found"),
                (invalid, 422, "character_not_allowed"), (wrong_key, 401, "invalid_api_key"),
                (no_key, 401, "missing_api_key")]
    for response, status, code in expected:
        assert response.status_code == status, (code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert code in {e["code"] for e in response.json()["errors"]}, response.text
    assert await count_snapshots(system.stack.base_env["ATELIER_DATABASE_URL"],
                                 demo.brand_id) == 0
