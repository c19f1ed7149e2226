"""Snapshots through the bus, on real Postgres and NATS: stored, announced, never altered."""

import hashlib
import json

import asyncpg
import nats
import pytest

from atelier.contracts import Envelope, ErrorCode
from atelier.contracts.catalog import CREATE_SNAPSHOT, GET_SNAPSHOT, SNAPSHOT_CREATED
from atelier.contracts.snapshot import (
    CreateSnapshot,
    GetSnapshot,
    SnapshotCreated,
    SnapshotStatus,
    SnapshotView,
)
from atelier.contracts.spec import DesignSpec, SpecZone
from atelier.kit.broker import Bus
from atelier.kit.db import asyncpg_dsn
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.testing.plugin import eventually, running, unique
from atelier.snapshot.bootstrap import bootstrap


def a_spec(text: str = "Ada") -> DesignSpec:
    zone = SpecZone(key="name", text=text, width_mm=60, height_mm=12, font="dejavu-sans",
                    colour="#112233")
    return DesignSpec(product_id="p-1", template_version=3, zones=[zone])


def a_hash(spec: DesignSpec) -> str:
    return hashlib.sha256(spec.model_dump_json().encode()).hexdigest()


@pytest.fixture
async def service(settings_of):  # type: ignore[no-untyped-def]
    async with running(bootstrap(settings_of("snapshot"))) as runtime:
        yield runtime


@pytest.fixture
async def db(settings_of):  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(asyncpg_dsn(settings_of("snapshot").database_url))
    try:
        yield conn
    finally:
        await conn.close()


async def create(client_bus: Bus, brand: str, spec: DesignSpec | None = None) -> SnapshotView:
    spec = spec or a_spec()
    return await client_bus.call(
        CREATE_SNAPSHOT, CreateSnapshot(spec_hash=a_hash(spec), spec=spec), brand_id=brand
    )


async def test_a_snapshot_is_stored_and_read_back(service, client_bus) -> None:
    brand = unique("brand-")
    created = await create(client_bus, brand)
    assert created.status == SnapshotStatus.CREATED
    assert (created.product_id, created.template_version) == ("p-1", 3)
    assert created.spec_hash == a_hash(a_spec())
    read = await client_bus.call(GET_SNAPSHOT, GetSnapshot(snapshot_id=created.id), brand_id=brand)
    assert read == created


async def test_each_creation_is_a_new_snapshot(service, client_bus) -> None:
    brand = unique("brand-")
    first, second = await create(client_bus, brand), await create(client_bus, brand)
    assert first.id != second.id and first.spec_hash == second.spec_hash


async def test_creation_is_announced_through_the_outbox(
    service, client_bus, db, nats_url, namespace
) -> None:
    brand = unique("brand-")
    spec = a_spec("Zoé")
    created = await create(client_bus, brand, spec)

    async def published() -> bool:
        row = await db.fetchrow(
            "SELECT subject, published_at FROM snapshot.outbox "
            "WHERE convert_from(payload, 'UTF8') LIKE $1", f"%{created.id}%")
        assert row is not None and row["subject"] == "evt.snapshot.snapshot.created"
        return row["published_at"] is not None

    await eventually(published)
    nc = await nats.connect(nats_url)
    try:
        raw = await nc.jetstream().get_last_msg(
            f"{namespace.upper()}_EVT_SNAPSHOT", f"{namespace}.{SNAPSHOT_CREATED.subject}"
        )
    finally:
        await nc.close()
    event = Envelope[SnapshotCreated].model_validate_json(raw.data)
    assert raw.headers["Nats-Msg-Id"] == event.id
    assert (event.type, event.producer, event.brand_id) == ("snapshot.created", "snapshot", brand)
    assert event.data == SnapshotCreated(snapshot_id=created.id, spec_hash=a_hash(spec), spec=spec)


@pytest.mark.parametrize("spec_hash", ["abc", "A" * 64, "g" * 64, "a" * 65, ""])
async def test_a_spec_hash_that_is_not_sha256_hex_is_refused(
    service, client_bus, db, spec_hash
) -> None:
    brand = unique("brand-")
    with pytest.raises(Invalid) as refused:
        await client_bus.call(
            CREATE_SNAPSHOT, CreateSnapshot(spec_hash=spec_hash, spec=a_spec()), brand_id=brand
        )
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("spec_hash", ErrorCode.INVALID_FIELD)
    ]
    assert await db.fetchval("SELECT count(*) FROM snapshot.snapshots WHERE brand_id=$1",
                             brand) == 0


async def test_another_brands_snapshot_does_not_exist(service, client_bus) -> None:
    created = await create(client_bus, unique("brand-"))
    for snapshot_id in (created.id, "no-such-snapshot"):
        with pytest.raises(NotFound) as missing:
            await client_bus.call(
                GET_SNAPSHOT, GetSnapshot(snapshot_id=snapshot_id), brand_id=unique("brand-")
            )
        assert [(e.field, e.code) for e in missing.value.errors] == [
            ("snapshot_id", ErrorCode.NOT_FOUND)
        ]


@pytest.mark.parametrize(
    "change",
    [
        "spec = '{}'::jsonb",
        "spec_hash = repeat('0', 64)",
        "brand_id = 'thief'",
        "product_id = 'p-2'",
        "template_version = 4",
        "created_at = now() - interval '1 day'",
        "id = 'another-id'",
    ],
)
async def test_the_database_refuses_to_alter_a_snapshot(service, client_bus, db, change) -> None:
    created = await create(client_bus, unique("brand-"))
    with pytest.raises(asyncpg.RestrictViolationError, match="immutable"):
        await db.execute(f"UPDATE snapshot.snapshots SET {change} WHERE id=$1", created.id)
    row = await db.fetchrow("SELECT spec, spec_hash FROM snapshot.snapshots WHERE id=$1",
                            created.id)
    assert json.loads(row["spec"]) == a_spec().model_dump(mode="json")
    assert row["spec_hash"] == created.spec_hash


async def test_the_database_refuses_to_delete_a_snapshot(service, client_bus, db) -> None:
    created = await create(client_bus, unique("brand-"))
    with pytest.raises(asyncpg.RestrictViolationError, match="immutable"):
        await db.execute("DELETE FROM snapshot.snapshots WHERE id=$1", created.id)
    with pytest.raises(asyncpg.RestrictViolationError, match="immutable"):
        await db.execute("TRUNCATE snapshot.snapshots")
    assert await db.fetchval("SELECT count(*) FROM snapshot.snapshots WHERE id=$1",
                             created.id) == 1


async def test_only_the_status_of_a_snapshot_may_change(service, client_bus, db) -> None:
    brand = unique("brand-")
    created = await create(client_bus, brand)
    await db.execute("UPDATE snapshot.snapshots SET status='validated' WHERE id=$1", created.id)
    read = await client_bus.call(GET_SNAPSHOT, GetSnapshot(snapshot_id=created.id), brand_id=brand)
    assert read.status == SnapshotStatus.VALIDATED
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("UPDATE snapshot.snapshots SET status='shipped' WHERE id=$1", created.id)
