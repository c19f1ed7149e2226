"""The shopper's design in 3D, through the gateway with every service a process: a snapshot of
the demo mug yields its mockup, thumbnail, GLB and USDZ (served immutable, with their content
types, read back by the Khronos validator and usd-core), the same design again is a cache hit;
and two 3D workers share the jobs, one killed mid-job losing nothing and drawing nothing twice."""

import asyncio
import json
import signal
from collections import Counter

import httpx
import nats
import pytest

from atelier.devstack.demo import Demo
from atelier.e2e.client import ready_preview
from atelier.e2e.system import System
from atelier.kit.broker import namespaced, namespaced_stream
from atelier.kit.testing.glbs import a_glb
from atelier.kit.testing.readers3d import assert_valid_glb, base_colour_texture, usd_errors

pytestmark = pytest.mark.e2e
KINDS = {"mockup", "thumbnail", "glb", "usdz"}
CONTENT_TYPES = {"glb": "model/gltf-binary", "usdz": "model/vnd.usdz+zip"}
THREE_D = {"ATELIER_RENDER_KINDS": '["glb", "usdz"]', "ATELIER_RENDER_JOB_CONCURRENCY": "1"}
HANDLED = "faststream_received_processed_messages_total"
DESIGNS = 8
FLAT = {"ATELIER_RENDER_KINDS": '["mockup", "thumbnail", "zone"]'}


async def settled(widget: httpx.AsyncClient, spec_hash: str, kinds: set[str],
                  within_s: float = 60.0) -> dict:
    """The design's renders once those of ``kinds`` are all ready."""
    async with asyncio.timeout(within_s):
        while True:
            response = await widget.get(f"/v1/renders/{spec_hash}")
            if response.status_code == 200:
                render = response.json()
                ready = {a["kind"] for a in render["assets"] if a["status"] == "ready"}
                assert not [a for a in render["assets"] if a["status"] == "failed"], render
                if kinds <= ready:
                    return render
            await asyncio.sleep(0.1)


def jobs_handled(metrics: str) -> float:
    """The 3D jobs a render process acknowledged, from its Prometheus metrics (FastStream's)."""
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
               if line.startswith(HANDLED) and 'status="acked"' in line
               and ("job.render.glb" in line or "job.render.usdz" in line))


async def snapshot(widget: httpx.AsyncClient, demo: Demo, name: str,
                   product_id: str | None = None) -> dict:
    created = await widget.post("/v1/snapshots", json={"product_id": product_id or demo.mug_id,
                                                       "values": {"name": name}})
    assert created.status_code == 201, created.text
    return created.json()


async def test_a_snapshot_yields_mockup_thumbnail_glb_and_usdz_and_again_a_cache_hit(
    system: System,
) -> None:
    demo = await system.new_brand()
    async with system.widget(demo) as widget:
        first = await snapshot(widget, demo, "Ada")
        await ready_preview(widget, first["id"])
        render = await settled(widget, first["spec_hash"], KINDS)
        assets = {a["kind"]: a for a in render["assets"]}
        assert set(assets) == KINDS
        for kind, asset in assets.items():
            served = await widget.get(asset["url"])
            assert served.status_code == 200, (kind, served.text)
            assert served.headers["content-type"] == asset["content_type"]
            assert "immutable" in served.headers["cache-control"]
            if kind in CONTENT_TYPES:
                assert asset["content_type"] == CONTENT_TYPES[kind]
                assert asset["url"].endswith(f"/{first['spec_hash']}/{kind}-model.{kind}")
        glb = (await widget.get(assets["glb"]["url"])).content
        report = assert_valid_glb(glb)
        assert report["info"]["totalTriangleCount"] < 100_000
        assert usd_errors((await widget.get(assets["usdz"]["url"])).content) == []

        # the same design again: the same assets, ready at once, and no job drawn again
        nc = await nats.connect(system.stack.base_env["ATELIER_NATS_URL"])
        try:
            js = nc.jetstream()
            stream = namespaced_stream(system.namespace, "JOB_RENDER")
            before = {kind: (await js.consumer_info(stream, f"render-{kind}")).delivered
                      for kind in ("glb", "usdz")}
            second = await snapshot(widget, demo, "Ada")
            assert second["id"] != first["id"] and second["spec_hash"] == first["spec_hash"]
            await ready_preview(widget, second["id"])
            again = await settled(widget, second["spec_hash"], KINDS)
            assert {a["kind"]: a["url"] for a in again["assets"]} == {
                k: a["url"] for k, a in assets.items()}
            for kind in ("glb", "usdz"):
                info = await js.consumer_info(stream, f"render-{kind}")
                assert info.delivered.stream_seq == before[kind].stream_seq  # no new job
        finally:
            await nc.close()


async def test_an_uploaded_glb_shows_the_zone_on_the_material_named_after_it(
    system: System,
) -> None:
    demo = await system.new_brand()
    admin = {"Authorization": f"Bearer {demo.secret_key}", "Content-Type": "model/gltf-binary"}
    async with httpx.AsyncClient(base_url=system.gateway_url, headers=admin) as client:
        path = f"/v1/admin/products/{demo.tag_id}/model/glb"
        refused = await client.put(path, content=a_glb(material="steel"))
        assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == \
            "invalid_model"
        uploaded = await client.put(path, content=a_glb(material="name", triangles=8))
        assert uploaded.status_code == 200, uploaded.text
        assert uploaded.json()["model"]["kind"] == "glb"
    async with system.widget(demo) as widget:
        created = await snapshot(widget, demo, "Rex", demo.tag_id)
        render = await settled(widget, created["spec_hash"], KINDS)
        urls = {a["kind"]: a["url"] for a in render["assets"]}
        glb = (await widget.get(urls["glb"])).content
        assert_valid_glb(glb)
        texture = base_colour_texture(glb, "zone_name")  # the zone's 50 × 14 mm print box
        assert texture.size == (500, 140)
        assert texture.convert("L").getextrema()[0] < 100  # the engraved name is drawn on it
        assert usd_errors((await widget.get(urls["usdz"])).content) == []


async def test_two_3d_workers_share_the_jobs_and_one_killed_mid_job_loses_none(
    system: System,
) -> None:
    """The 3D jobs of ``DESIGNS`` new designs: a first 3D worker is killed (SIGKILL) while it
    holds one; two 3D workers then draw them all, each some, every model completed exactly
    once."""
    demo = await system.new_brand()
    nc = await nats.connect(system.stack.base_env["ATELIER_NATS_URL"])
    completed: Counter[tuple[str, str]] = Counter()
    drawn_by_kind: Counter[str] = Counter()

    async def on_completed(msg: nats.aio.msg.Msg) -> None:
        data = json.loads(msg.data)["data"]
        if data["kind"] in CONTENT_TYPES and data["snapshot_id"]:
            completed[data["snapshot_id"], data["kind"]] += 1
            drawn_by_kind[data["kind"]] += 1

    await nc.subscribe(namespaced(system.namespace, "evt.render.render.completed"),
                       cb=on_completed)
    js = nc.jetstream()
    stream = namespaced_stream(system.namespace, "JOB_RENDER")
    # replica 0 keeps the events, the requests and the flat kinds; the 3D pool is its own
    await system.stack.kill("render", 0, signal.SIGTERM)
    await system.stack.start_service("render", 0, FLAT)
    try:
        doomed = await system.stack.start_service("render", 1, THREE_D)
        async with system.widget(demo) as widget:
            snapshots = [await snapshot(widget, demo, f"Worker {i}") for i in range(DESIGNS)]
            async with asyncio.timeout(30):  # until the first 3D worker holds a job
                while True:
                    held = [(await js.consumer_info(stream, f"render-{kind}")).num_ack_pending
                            for kind in ("glb", "usdz")]
                    if any(held):
                        break
                    await asyncio.sleep(0.005)
            await system.stack.kill("render", doomed.index, signal.SIGKILL)
            workers = await asyncio.gather(*(system.stack.start_service("render", i, THREE_D)
                                             for i in (2, 3)))
            for created in snapshots:
                await settled(widget, created["spec_hash"], KINDS, within_s=120)
        await asyncio.sleep(0.5)  # the last completion events on their way
        expected = {(s["id"], kind) for s in snapshots for kind in CONTENT_TYPES}
        assert set(completed) == expected  # none lost
        assert all(count == 1 for count in completed.values()), completed  # none twice
        for kind in ("glb", "usdz"):
            info = await js.consumer_info(stream, f"render-{kind}")
            assert (info.num_pending, info.num_ack_pending) == (0, 0)
        # shared: each of the two workers drew some (its handled messages, on its /metrics)
        for worker in workers:
            async with httpx.AsyncClient(timeout=5) as client:
                metrics = (await client.get(f"{worker.ops_url}/metrics")).text
            assert jobs_handled(metrics) > 0, (worker.index, [
                line for line in metrics.splitlines() if line.startswith(HANDLED)])
    finally:
        await nc.close()
        for replica in [r.index for r in system.stack.replicas["render"]]:
            await system.stack.kill("render", replica, signal.SIGTERM)
        await system.stack.start_service("render", 0)  # every kind again, as the module had
