"""Previews while the shopper types, through the gateway: a design that is not saved is rendered
once per spec hash and served from the cache after; the widget hears `pending` then `ready` as
server-sent events, for a preview and for a snapshot.

The system here starts with no mockup worker (its render process draws thumbnails and zone
textures only, ATELIER_RENDER_KINDS), so that a render is seen pending for sure; a mockup pool
is then started on its own. Its snapshots are rendered as their mockup alone
(ATELIER_RENDER_SNAPSHOT_KINDS; test_render3d.py follows all of a snapshot's renders), so
that a snapshot and a preview of one design share one render."""

import io
from collections.abc import AsyncIterator

import asyncpg
import pytest
from PIL import Image

from atelier.e2e.client import events
from atelier.e2e.system import System, running_system
from atelier.kit.db import asyncpg_dsn

pytestmark = pytest.mark.e2e
MOCKUP_SNAPSHOTS = {"ATELIER_RENDER_SNAPSHOT_KINDS": '["mockup"]'}
NO_MOCKUPS = {"ATELIER_RENDER_KINDS": '["thumbnail", "zone"]', **MOCKUP_SNAPSHOTS}
MOCKUPS = {"ATELIER_RENDER_KINDS": '["mockup"]', **MOCKUP_SNAPSHOTS}


@pytest.fixture(scope="module")
async def system(database_url: str, nats_url: str, tmp_path_factory) -> AsyncIterator[System]:
    async with running_system(database_url, nats_url, tmp_path_factory.mktemp("previews"),
                              {"render": NO_MOCKUPS}) as running:
        yield running


async def mockup_jobs(system: System, brand_id: str) -> tuple[int, int]:
    """(render rows, mockup jobs emitted) of the brand, from render's own tables."""
    conn = await asyncpg.connect(asyncpg_dsn(system.stack.base_env["ATELIER_DATABASE_URL"]))
    try:
        rows = await conn.fetchval(
            "SELECT count(*) FROM render.render_results WHERE brand_id = $1", brand_id)
        jobs = await conn.fetchval(
            "SELECT count(*) FROM render.outbox WHERE subject = 'job.render.mockup' "
            "AND convert_from(payload, 'UTF8') LIKE $1", f"%{brand_id}%")
        return rows, jobs
    finally:
        await conn.close()


async def test_a_preview_is_pending_then_ready_then_a_cache_hit_and_so_is_a_snapshot(
    system: System,
) -> None:
    demo = await system.new_brand()
    design = {"product_id": demo.product_id, "values": {"name": "Typing"}}
    async with system.widget(demo) as widget:
        asked = await widget.post("/v1/renders/preview", json=design)
        assert asked.status_code == 200, asked.text
        render = asked.json()
        assert render["status"] == "pending" and len(render["id"]) == 64
        snapshot = (await widget.post("/v1/snapshots", json=design)).json()
        assert snapshot["spec_hash"] == render["id"]  # the same design: the same render

        preview_stream = events(widget, f"/v1/renders/{render['id']}/events")
        snapshot_stream = events(widget, f"/v1/snapshots/{snapshot['id']}/events")
        first, first_of_snapshot = await anext(preview_stream), await anext(snapshot_stream)
        assert first[0] == "pending" and first[1]["id"] == render["id"]
        assert first_of_snapshot == ("pending", {"status": "pending"})

        await system.stack.start_service("render", env=MOCKUPS)  # the mockup pool, scaled up
        rest = [event async for event in preview_stream]  # the stream ends once settled
        rest_of_snapshot = [event async for event in snapshot_stream]
        assert [name for name, _ in rest] == ["ready"]
        [(_, ready)] = rest
        [asset] = ready["assets"]
        # the mockup of the demo pen's one view
        assert (asset["kind"], asset["view"], asset["status"]) == ("mockup", "barrel", "ready")
        assert asset["url"].endswith(f"/renders/{render['id']}/mockup-barrel.jpg")
        assert rest_of_snapshot == [("ready", {"status": "ready", "url": asset["url"]})]

        jpeg = await widget.get(asset["url"])
        assert jpeg.headers["content-type"] == "image/jpeg"
        image = Image.open(io.BytesIO(jpeg.content))
        assert (image.format, image.size) == ("JPEG", (asset["width_px"], asset["height_px"]))

        again = await widget.post("/v1/renders/preview", json=design)  # the shopper types it again
        assert again.json() == ready  # ready at once, from the cache
        late = [event async for event in events(widget, f"/v1/renders/{render['id']}/events")]
        assert late == [("ready", ready)]  # a late subscriber gets the state and the end
        assert (await widget.get(f"/v1/renders/{render['id']}")).json() == ready
    assert await mockup_jobs(system, demo.brand_id) == (1, 1)  # drawn once, for all four asks


async def test_an_invalid_design_or_an_unknown_render_is_refused(system: System) -> None:
    demo = await system.new_brand()
    async with system.widget(demo) as widget:
        invalid = await widget.post("/v1/renders/preview", json={
            "product_id": demo.product_id, "values": {"name": "€"}})
        unknown = await widget.get(f"/v1/renders/{'0' * 64}/events")
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["code"] == \
        "character_not_allowed"
    assert unknown.status_code == 404
    assert await mockup_jobs(system, demo.brand_id) == (0, 0)
