"""Production bundles end to end: a snapshot validated by the brand, its pack exported through
the gateway, made by the manufacturing worker, downloaded by its signed URL with a manifest that
matches its files; the link refused once altered or expired; bad input refused, nothing
queued; made again, the same bytes."""

import asyncio
import hashlib
import io
import json
import time
import zipfile
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest

from atelier.devstack.demo import Demo
from atelier.e2e.system import System, running_system
from atelier.gateway import domain
from atelier.kit.db import asyncpg_dsn

pytestmark = pytest.mark.e2e
SECRET = "e2e-download-secret"


@pytest.fixture(scope="module")
async def system(database_url: str, nats_url: str, tmp_path_factory) -> AsyncIterator[System]:
    """With a known download secret, so that the test can sign a link that has expired."""
    gateway = {"ATELIER_GATEWAY_DOWNLOAD_SECRET": SECRET}
    async with running_system(database_url, nats_url, tmp_path_factory.mktemp("system"),
                              {"gateway": gateway}) as running:
        yield running


def admin(system: System, demo: Demo) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=system.gateway_url, timeout=10.0,
                             headers={"Authorization": f"Bearer {demo.secret_key}"})


async def a_snapshot(system: System, demo: Demo, name: str = "Ada") -> str:
    async with system.widget(demo) as widget:
        created = await widget.post("/v1/snapshots", json={
            "product_id": demo.product_id, "values": {"name": name}})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def validated(system: System, demo: Demo) -> str:
    snapshot_id = await a_snapshot(system, demo)
    async with admin(system, demo) as client:
        response = await client.post(f"/v1/admin/snapshots/{snapshot_id}/validate")
    assert response.status_code == 200, response.text
    return snapshot_id


async def settled(client: httpx.AsyncClient, work_order_id: str) -> dict[str, Any]:
    for _ in range(600):
        order = await client.get(f"/v1/manufacturing/work-orders/{work_order_id}")
        assert order.status_code == 200, order.text
        if order.json()["status"] in ("ready", "failed"):
            return dict(order.json())
        await asyncio.sleep(0.1)
    raise AssertionError(f"work order {work_order_id} still {order.json()['status']}")


async def test_a_pack_is_exported_and_downloaded_by_its_signed_url(system: System) -> None:
    demo = await system.new_brand()
    snapshot_id = await validated(system, demo)
    async with admin(system, demo) as client:
        queued = await client.post("/v1/manufacturing/export-pack", json={
            "snapshot_id": snapshot_id, "order_id": "1001", "item_id": "1", "sku": "PEN"})
        assert queued.status_code == 202, queued.text
        assert queued.json()["status"] == "pending"
        order = await settled(client, queued.json()["id"])
    assert order["status"] == "ready", order
    async with httpx.AsyncClient(base_url=system.gateway_url, timeout=10.0) as anyone:
        bundle = await anyone.get(order["download_url"])  # the link alone
        assert bundle.status_code == 200, bundle.text
        assert bundle.headers["content-type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(bundle.content))
        manifest = json.loads(archive.read("manifest.json"))
        assert (manifest["snapshot_id"], manifest["order_id"], manifest["sku"]) == (
            snapshot_id, "1001", "PEN")
        assert sorted(archive.namelist()) == sorted(
            [f["name"] for f in manifest["files"]] + ["manifest.json"])
        for entry in manifest["files"]:
            data = archive.read(entry["name"])
            assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"],
                                                                     entry["sha256"])
        assert {"svg", "dxf", "pdf", "png"} <= {n.rsplit(".", 1)[-1] for n in archive.namelist()}

        url = urlsplit(order["download_url"])
        query = parse_qs(url.query)
        expires, signature = int(query["expires"][0]), query["signature"][0]
        altered = f"{url.path}?expires={expires + 3600}&signature={signature}"
        key = url.path.removeprefix("/v1/downloads/")
        expired = domain.download_url(SECRET, key, int(time.time()) - 1)
        for link, code in ((altered, "download_link_invalid"),
                           (expired, "download_link_expired")):
            refused = await anyone.get(link)
            assert refused.status_code == 403, refused.text
            assert [e["code"] for e in refused.json()["errors"]] == [code]

    async with admin(system, demo) as client:
        again = await client.post(f"/v1/manufacturing/work-orders/{order['id']}/export")
        assert again.status_code == 202, again.text
        remade = await settled(client, order["id"])
        assert remade["status"] == "ready"
        second = await client.get(remade["download_url"])
    assert second.content == bundle.content  # the same spec, the same bytes


async def work_orders(system: System, brand_id: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(system.stack.base_env["ATELIER_DATABASE_URL"]))
    try:
        return int(await conn.fetchval(
            "SELECT count(*) FROM manufacturing.work_orders WHERE brand_id = $1", brand_id))
    finally:
        await conn.close()


async def test_bad_input_is_refused_and_nothing_is_queued(system: System) -> None:
    demo, other = await system.new_brand(), await system.new_brand()
    unvalidated = await a_snapshot(system, demo)
    theirs = await validated(system, other)
    mine = await validated(system, demo)
    async with admin(system, demo) as client:
        cases = [
            ({"snapshot_id": unvalidated}, 409, "snapshot_not_validated"),
            ({"snapshot_id": theirs}, 404, "not_found"),
            ({"snapshot_id": mine, "profile": "no_such_profile"}, 422, "unknown_profile"),
            ({"snapshot_id": mine, "brand_id": other.brand_id}, 400, "invalid_field"),
        ]
        for body, status, code in cases:
            response = await client.post("/v1/manufacturing/export-pack", json=body)
            assert response.status_code == status, (body, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert code in {e["code"] for e in response.json()["errors"]}, response.text
    assert await work_orders(system, demo.brand_id) == 0


async def test_a_brands_profile_for_its_product_shapes_the_bundle(system: System) -> None:
    demo = await system.new_brand()
    async with admin(system, demo) as client:
        glass = {"formats": ["svg", "dxf"], "mirror": True, "file_name": "{order}-{sku}"}
        made = await client.put("/v1/manufacturing/profiles/glass", json=glass)
        assert made.status_code == 200, made.text
        assert made.json()["name"] == "glass" and made.json()["mirror"] is True
        unknown = await client.put(f"/v1/manufacturing/products/{demo.product_id}/profile",
                                   json={"profile": "nope"})
        assert (unknown.status_code, unknown.json()["errors"][0]["code"]) == (
            422, "unknown_profile")
        chosen = await client.put(f"/v1/manufacturing/products/{demo.product_id}/profile",
                                  json={"profile": "glass"})
        assert chosen.status_code == 200, chosen.text
        listed = (await client.get("/v1/manufacturing/profiles")).json()
        assert listed["products"] == {demo.product_id: "glass"}
        assert {"glass", "standard", "laser"} <= {p["name"] for p in listed["profiles"]}

        snapshot_id = await validated(system, demo)
        queued = await client.post("/v1/manufacturing/export-pack", json={
            "snapshot_id": snapshot_id, "order_id": "1002", "sku": "PEN"})
        assert queued.status_code == 202 and queued.json()["profile"] == "glass"
        order = await settled(client, queued.json()["id"])
    assert order["status"] == "ready" and order["bundle_name"] == "1002-PEN.zip"
    assert {f["name"] for f in order["files"]} >= {"1002-PEN-barrel.svg", "1002-PEN-barrel.dxf"}
    assert not any(f["name"].endswith(".png") for f in order["files"])
