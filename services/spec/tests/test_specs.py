"""The spec service through the bus, on real Postgres and NATS."""

import unicodedata

import asyncpg
import pytest

from atelier.contracts import Envelope, ErrorCode
from atelier.contracts.catalog import (
    CREATE_SPEC,
    GET_SPEC,
    SNAPSHOT_CREATED,
    SPEC_CREATED,
    VALIDATE_SPEC,
)
from atelier.contracts.snapshot import SnapshotCreated
from atelier.contracts.spec import CreateSpec, GetSpec, SpecCreated, ValidateSpec
from atelier.kit.db import asyncpg_dsn
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.testing.plugin import eventually, running, unique
from atelier.spec.bootstrap import bootstrap


@pytest.fixture
async def service(settings_of):  # type: ignore[no-untyped-def]
    async with running(bootstrap(settings_of("spec"))) as runtime:
        yield runtime


@pytest.fixture
async def db(settings_of):  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(asyncpg_dsn(settings_of("spec").database_url))
    try:
        yield conn
    finally:
        await conn.close()


async def test_create_spec_stores_once_and_emits_once(service, client_bus, db, a_spec) -> None:
    brand = unique("brand-")
    first = await client_bus.call(CREATE_SPEC, CreateSpec(spec=a_spec()), brand_id=brand)
    again = await client_bus.call(CREATE_SPEC, CreateSpec(spec=a_spec()), brand_id=brand)
    other = await client_bus.call(CREATE_SPEC, CreateSpec(spec=a_spec()), brand_id=unique())
    assert first.created and not again.created and other.created
    assert first.spec_hash == again.spec_hash == other.spec_hash
    assert first.canonical_json == again.canonical_json
    rows = await db.fetch("SELECT brand_id FROM spec.design_specs WHERE spec_hash=$1 "
                          "AND brand_id=$2", first.spec_hash, brand)
    outbox = await db.fetch(
        "SELECT subject, convert_from(payload, 'UTF8') AS payload FROM spec.outbox "
        "WHERE convert_from(payload, 'UTF8') LIKE $1", f"%{brand}%")
    assert len(rows) == 1
    assert [r["subject"] for r in outbox] == [SPEC_CREATED.subject]
    assert SpecCreated(spec_hash=first.spec_hash, product_id="p-1", template_version=1
                       ).model_dump_json() in outbox[0]["payload"]


async def test_create_spec_without_brand_is_refused(service, client_bus, a_spec) -> None:
    with pytest.raises(Invalid):
        await client_bus.call(CREATE_SPEC, CreateSpec(spec=a_spec()), brand_id=None)


async def test_a_spec_whose_text_is_not_nfc_is_refused_and_not_stored(
    service, client_bus, db, a_spec
) -> None:
    brand = unique("brand-")
    decomposed = unicodedata.normalize("NFD", "Zoé")
    with pytest.raises(Invalid) as refused:
        await client_bus.call(CREATE_SPEC, CreateSpec(spec=a_spec(decomposed)), brand_id=brand)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("spec.zones.0.text", ErrorCode.SPEC_INVALID)
    ]
    assert await db.fetchval("SELECT count(*) FROM spec.design_specs WHERE brand_id=$1",
                             brand) == 0


async def test_a_stored_spec_is_read_back_by_its_hash(service, client_bus, a_spec) -> None:
    brand = unique("brand-")
    created = await client_bus.call(CREATE_SPEC, CreateSpec(spec=a_spec("Zoé")), brand_id=brand)
    stored = await client_bus.call(GET_SPEC, GetSpec(spec_hash=created.spec_hash), brand_id=brand)
    assert stored.spec == a_spec("Zoé")
    assert (stored.spec_hash, stored.canonical_json) == (created.spec_hash,
                                                         created.canonical_json)


async def test_another_brands_spec_does_not_exist(service, client_bus, a_spec) -> None:
    created = await client_bus.call(CREATE_SPEC, CreateSpec(spec=a_spec()),
                                    brand_id=unique("brand-"))
    for spec_hash in (created.spec_hash, "0" * 64, "not-a-hash"):
        with pytest.raises(NotFound) as missing:
            await client_bus.call(GET_SPEC, GetSpec(spec_hash=spec_hash),
                                  brand_id=unique("brand-"))
        assert [(e.field, e.code) for e in missing.value.errors] == [
            ("spec_hash", ErrorCode.NOT_FOUND)
        ]


async def test_validate_spec_agrees_with_create_spec(service, client_bus, a_spec) -> None:
    brand = unique("brand-")
    created = await client_bus.call(CREATE_SPEC, CreateSpec(spec=a_spec()), brand_id=brand)
    document = a_spec().model_dump(mode="json")
    checked = await client_bus.call(
        VALIDATE_SPEC, ValidateSpec(document=document, spec_hash=created.spec_hash),
        brand_id=brand,
    )
    assert checked.valid and checked.errors == []
    assert (checked.spec_hash, checked.canonical_json) == (created.spec_hash,
                                                           created.canonical_json)


async def test_validate_spec_names_each_fault(service, client_bus, a_spec) -> None:
    document = a_spec().model_dump(mode="json")
    document["zones"][0]["size_mm"] = -1
    del document["zones"][0]["colour"]
    document["zones"][0]["shadow"] = True
    checked = await client_bus.call(VALIDATE_SPEC, ValidateSpec(document=document),
                                    brand_id=unique("brand-"))
    assert not checked.valid and checked.spec_hash is None and checked.canonical_json is None
    assert sorted((e.field, e.code) for e in checked.errors) == [
        ("document.zones.0.colour", ErrorCode.SPEC_INVALID),
        ("document.zones.0.shadow", ErrorCode.SPEC_INVALID),
        ("document.zones.0.size_mm", ErrorCode.SPEC_INVALID),
    ]


async def test_validate_spec_reports_a_hash_that_does_not_match(
    service, client_bus, a_spec
) -> None:
    document = a_spec("Ada").model_dump(mode="json")
    stale = (await client_bus.call(CREATE_SPEC, CreateSpec(spec=a_spec("Bob")),
                                   brand_id=unique("brand-"))).spec_hash
    checked = await client_bus.call(VALIDATE_SPEC, ValidateSpec(document=document,
                                                                spec_hash=stale), brand_id=None)
    assert not checked.valid
    assert [(e.field, e.code) for e in checked.errors] == [
        ("spec_hash", ErrorCode.SPEC_HASH_MISMATCH)
    ]
    assert checked.spec_hash != stale and stale in checked.errors[0].message


async def test_a_snapshots_spec_is_stored_from_its_event(service, client_bus, db, a_spec) -> None:
    """Snapshot creation is one call: the spec service stores the spec from snapshot.created,
    under the hash the snapshot carries, and a redelivery stores nothing twice."""
    brand = unique("brand-")
    spec = a_spec("Zoé")
    stored = await client_bus.call(CREATE_SPEC, CreateSpec(spec=spec), brand_id=unique())
    event = Envelope[SnapshotCreated](
        type=SNAPSHOT_CREATED.type, producer="snapshot", brand_id=brand,
        data=SnapshotCreated(snapshot_id="s-1", spec_hash=stored.spec_hash, spec=spec))
    payload = event.model_dump_json().encode()
    for msg_id in (event.id, f"{event.id}-redelivered"):
        await client_bus.publish_raw(SNAPSHOT_CREATED.subject, payload, {"Nats-Msg-Id": msg_id})
    read = await eventually(lambda: _read(client_bus, brand, stored.spec_hash))
    assert read.canonical_json == stored.canonical_json
    count = "SELECT count(*) FROM spec.outbox WHERE subject=$1 AND convert_from(payload, 'UTF8') " \
            "LIKE $2"
    assert await db.fetchval(count, SPEC_CREATED.subject, f"%{brand}%") == 1


async def _read(client_bus, brand: str, spec_hash: str):  # noqa: ANN001, ANN202
    try:
        return await client_bus.call(GET_SPEC, GetSpec(spec_hash=spec_hash), brand_id=brand)
    except NotFound:
        return None
