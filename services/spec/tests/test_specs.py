import asyncpg
import pytest

from atelier.contracts.catalog import CREATE_SPEC
from atelier.contracts.spec import CreateSpec, DesignSpec, SpecZone
from atelier.kit.db import asyncpg_dsn
from atelier.kit.errors import Invalid
from atelier.kit.testing.plugin import eventually, running, unique
from atelier.spec import domain
from atelier.spec.bootstrap import bootstrap


def a_spec(text: str = "Ada", product_id: str = "p-1") -> DesignSpec:
    zone = SpecZone(key="name", text=text, width_mm=60, height_mm=12.5, font="dejavu-sans",
                    colour="#112233")
    return DesignSpec(product_id=product_id, template_version=1, zones=[zone])


def test_canonical_json_is_rfc8785() -> None:
    canonical = domain.canonical_json(a_spec())
    assert canonical.startswith('{"product_id":"p-1","spec_version":1,"template_version":1')
    assert '"height_mm":12.5' in canonical and '"width_mm":60' in canonical  # 60.0 spelled 60
    assert domain.spec_hash(canonical) == domain.spec_hash(domain.canonical_json(a_spec()))
    assert domain.spec_hash(canonical) != domain.spec_hash(domain.canonical_json(a_spec("Bob")))


async def test_create_spec_stores_once_and_emits_once(settings_of, client_bus) -> None:
    settings = settings_of("spec")
    brand = unique("brand-")
    async with running(bootstrap(settings)):
        first = await client_bus.call(CREATE_SPEC, CreateSpec(spec=a_spec()), brand_id=brand)
        again = await client_bus.call(CREATE_SPEC, CreateSpec(spec=a_spec()), brand_id=brand)
        other = await client_bus.call(CREATE_SPEC, CreateSpec(spec=a_spec()), brand_id=unique())
    assert first.created and not again.created and other.created
    assert first.spec_hash == again.spec_hash == other.spec_hash
    conn = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        rows = await conn.fetch("SELECT brand_id FROM spec.design_specs WHERE spec_hash=$1 "
                                "AND brand_id=$2", first.spec_hash, brand)
        outbox = await conn.fetch(
            "SELECT subject FROM spec.outbox WHERE convert_from(payload, 'UTF8') LIKE $1",
            f"%{brand}%")
    finally:
        await conn.close()
    assert len(rows) == 1
    assert [r["subject"] for r in outbox] == ["evt.spec.spec.created"]


async def test_create_spec_without_brand_is_refused(settings_of, client_bus) -> None:
    async with running(bootstrap(settings_of("spec"))):
        with pytest.raises(Invalid):
            await client_bus.call(CREATE_SPEC, CreateSpec(spec=a_spec()), brand_id=None)
