"""Exactly once through the whole system: a mutating request whose answer is lost (the gateway
times out after the service committed) and is retried under the same Idempotency-Key gives one
product, one template version, one snapshot; a saturated service is refused at once with a retry
hint instead of timing out.

The lost answer is made for real: the test holds a lock on the table the service writes, so the
service's transaction waits past the gateway's deadline, then commits once the lock is gone."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import httpx
import pytest

from atelier.devstack.demo import Demo
from atelier.e2e.system import System, running_system
from atelier.kit.db import asyncpg_dsn
from atelier.kit.testing.plugin import eventually

pytestmark = pytest.mark.e2e

PRODUCT = {"name": "Ring", "zones": [{
    "key": "name", "label": "Name", "width_mm": 40, "height_mm": 8,
    "fonts": [{"font_id": "dejavu-sans", "min_size_mm": 3, "max_size_mm": 6}],
    "rules": {"max_length": 12},
}]}


@pytest.fixture(scope="module")
async def system(database_url: str, nats_url: str, tmp_path_factory) -> AsyncIterator[System]:
    env = {
        "gateway": {"ATELIER_GATEWAY_RPC_CALL_TIMEOUT_S": "1"},
        # one request at a time and none waiting: a second one while it works is refused at once
        "personalization": {"ATELIER_PERSONALIZATION_RPC_CONCURRENCY": "1",
                            "ATELIER_PERSONALIZATION_RPC_QUEUE_LIMIT": "0"},
    }
    async with running_system(database_url, nats_url, tmp_path_factory.mktemp("once"),
                              env) as running:
        yield running


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        yield conn
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def held(database_url: str, table: str) -> AsyncIterator[None]:
    """Writers of ``table`` wait until the block ends (its rows stay readable)."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        async with conn.transaction():
            await conn.execute(f"LOCK TABLE {table} IN SHARE MODE")
            yield
    finally:
        await conn.close()


def admin(system: System, demo: Demo) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=system.gateway_url, timeout=30.0,
                             headers={"Authorization": f"Bearer {demo.secret_key}"})


async def lost_then_retried(
    system: System, database_url: str, table: str,
    send: Callable[[dict[str, str]], Awaitable[httpx.Response]],
    written: Callable[[], Awaitable[int]],
) -> httpx.Response:
    """Send once while ``table`` is held (the gateway gives up: 503), let the service commit,
    then send again under the same Idempotency-Key; returns the retry's answer."""
    key = {"Idempotency-Key": str(uuid.uuid4())}
    before = await written()
    async with held(database_url, table):
        lost = await send(key)
        assert lost.status_code == 503, lost.text
        assert lost.headers["retry-after"] == "1"
    await eventually(lambda: _grew(written, before))  # the service committed after all
    return await send(key)


async def _grew(written: Callable[[], Awaitable[int]], before: int) -> bool:
    return await written() > before


async def test_a_product_whose_answer_was_lost_is_created_once(
    system: System, database_url: str, db: asyncpg.Connection
) -> None:
    demo = await system.new_brand()

    async def products() -> int:
        return await db.fetchval(
            "SELECT count(*) FROM personalization.products WHERE brand_id = $1", demo.brand_id)

    async with admin(system, demo) as client:
        retried = await lost_then_retried(
            system, database_url, "personalization.products",
            lambda key: client.post("/v1/admin/products", json=PRODUCT, headers=key), products)
    assert retried.status_code == 201, retried.text
    assert await products() == 5  # the demo's four, and this one once
    ids = await db.fetch("SELECT id FROM personalization.products WHERE brand_id = $1",
                         demo.brand_id)
    assert retried.json()["id"] in {row["id"] for row in ids}


async def test_a_template_version_whose_answer_was_lost_is_published_once(
    system: System, database_url: str, db: asyncpg.Connection
) -> None:
    demo = await system.new_brand()

    async def versions() -> int:
        return await db.fetchval(
            "SELECT count(*) FROM personalization.templates WHERE product_id = $1",
            demo.product_id)

    async with admin(system, demo) as client:
        retried = await lost_then_retried(
            system, database_url, "personalization.templates",
            lambda key: client.post(f"/v1/admin/products/{demo.product_id}/templates",
                                    json={"zones": PRODUCT["zones"]}, headers=key),
            versions)
    assert retried.status_code == 201, retried.text
    # the demo's first version, its second with the photo, and this one once
    assert retried.json()["template_version"] == 3
    assert await versions() == 3


async def test_a_snapshot_whose_answer_was_lost_is_created_once(
    system: System, database_url: str, db: asyncpg.Connection
) -> None:
    demo = await system.new_brand()
    design = {"product_id": demo.product_id, "values": {"name": "Ada"}}

    async def snapshots() -> int:
        return await db.fetchval(
            "SELECT count(*) FROM snapshot.snapshots WHERE brand_id = $1", demo.brand_id)

    async with system.widget(demo) as widget:
        retried = await lost_then_retried(
            system, database_url, "snapshot.snapshots",
            lambda key: widget.post("/v1/snapshots", json=design, headers=key), snapshots)
        assert retried.status_code == 201, retried.text
        assert await snapshots() == 1
        snapshot_id = retried.json()["id"]
        assert await db.fetchval("SELECT id FROM snapshot.snapshots WHERE brand_id = $1",
                                 demo.brand_id) == snapshot_id
        # one call made both: the spec service stored the spec from the snapshot's event
        spec_hash = retried.json()["spec_hash"]

        async def spec_stored() -> bool:
            return (await widget.get(f"/v1/specs/{spec_hash}")).status_code == 200

        await eventually(spec_stored)

    async with admin(system, demo) as client:
        async def locked() -> int:
            return await db.fetchval(
                "SELECT count(*) FROM snapshot.snapshots WHERE id = $1 AND status = 'locked'",
                snapshot_id)

        # a retried lock replays its first answer instead of a 409 for the lock it made
        relocked = await lost_then_retried(
            system, database_url, "snapshot.snapshots",
            lambda key: client.post(f"/v1/admin/snapshots/{snapshot_id}/lock",
                                    json={"reason": "order:1001"}, headers=key), locked)
    assert relocked.status_code == 200, relocked.text
    assert relocked.json()["status"] == "locked"


async def test_a_saturated_service_is_refused_at_once_with_a_retry_hint(
    system: System, database_url: str, db: asyncpg.Connection
) -> None:
    demo = await system.new_brand()
    async with admin(system, demo) as client:
        async with held(database_url, "personalization.products"):
            # personalization takes one request at a time: this one holds it, on the lock
            first = asyncio.create_task(client.post("/v1/admin/products", json=PRODUCT))
            await eventually(lambda: db.fetchval(
                "SELECT count(*) FROM pg_locks WHERE NOT granted "
                "AND relation = 'personalization.products'::regclass"))
            refused = await client.post("/v1/admin/products", json=PRODUCT)
        await first  # answered, whichever way, once the lock is gone
    assert refused.status_code == 503, refused.text
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"].startswith("application/problem+json")
    # the service said so itself: not the gateway's deadline running out
    assert "personalization is at capacity" in refused.json()["detail"]
