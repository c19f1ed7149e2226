"""The spec service's use cases through ``bootstrap()`` with the kit's fakes: its entrypoints
driven as the bus drives them, without NATS or Postgres (test_specs.py runs the real ones)."""

import unicodedata

import pytest

from atelier.contracts import ErrorCode
from atelier.contracts.canonical import canonicalize
from atelier.contracts.catalog import (
    CREATE_SPEC,
    GET_SPEC,
    SNAPSHOT_CREATED,
    SPEC_CREATED,
    VALIDATE_SPEC,
)
from atelier.contracts.snapshot import SnapshotCreated
from atelier.contracts.spec import CreateSpec, GetSpec, SpecCreated, ValidateSpec
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.runtime import Runtime
from atelier.kit.testing.fakes import FakeUnits, envelope
from atelier.spec.bootstrap import bootstrap
from atelier.spec.settings import SpecSettings

from .conftest import design
from .fakes import FakeSpecRepository

BRAND, OTHER = "brand-a", "brand-b"


@pytest.fixture
def units() -> FakeUnits[FakeSpecRepository]:
    return FakeUnits(FakeSpecRepository(), SpecSettings.service)


@pytest.fixture
def spec_service(units) -> Runtime:
    return bootstrap(SpecSettings(), units=units)


async def create(service: Runtime, text: str = "Ada", brand: str | None = BRAND,
                 key: str = "k-1"):  # noqa: ANN201
    command = envelope(CREATE_SPEC, CreateSpec(spec=design(text)), brand_id=brand)
    return await service.bus.handle(CREATE_SPEC, command, request_key=key)


# --- create a spec -------------------------------------------------------------------------------
async def test_a_new_spec_is_stored_under_its_hash_and_announced(spec_service, units) -> None:
    created = await create(spec_service)
    canonical = canonicalize(design())
    assert (created.created, created.spec_hash, created.canonical_json) == (
        True, canonical.hash, canonical.json)
    assert units.repository.specs == {(BRAND, canonical.hash): canonical.json}
    assert units.emitted_data(SPEC_CREATED) == [
        SpecCreated(spec_hash=canonical.hash, product_id="p-1", template_version=1)]
    assert units.emitted[0].brand_id == BRAND


async def test_the_same_spec_again_is_the_same_hash_and_not_announced_again(
    spec_service, units
) -> None:
    first = await create(spec_service, key="k-1")
    again = await create(spec_service, key="k-2")
    other = await create(spec_service, brand=OTHER, key="k-3")
    assert (first.created, again.created, other.created) == (True, False, True)
    assert first.spec_hash == again.spec_hash == other.spec_hash
    assert len(units.emitted_data(SPEC_CREATED)) == 2  # once per brand


async def test_a_retried_request_gets_its_first_answer(spec_service, units) -> None:
    first = await create(spec_service, key="k-1")
    assert await create(spec_service, key="k-1") == first  # not "created: false"
    assert len(units.emitted) == 1


async def test_a_spec_without_canonical_form_is_refused_and_nothing_is_kept(
    spec_service, units
) -> None:
    with pytest.raises(Invalid) as refused:
        await create(spec_service, unicodedata.normalize("NFD", "Zoé"))
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("spec.zones.0.text", ErrorCode.SPEC_INVALID)]
    assert units.repository.specs == {} and units.emitted == [] and units.replies == {}


async def test_a_spec_without_brand_is_refused(spec_service, units) -> None:
    with pytest.raises(Invalid):
        await create(spec_service, brand=None)
    assert units.repository.specs == {}


# --- read a spec ---------------------------------------------------------------------------------
async def test_a_stored_spec_is_read_back_by_its_brand_only(spec_service) -> None:
    created = await create(spec_service, "Zoé")
    query = GetSpec(spec_hash=created.spec_hash)
    stored = await spec_service.bus.handle(GET_SPEC, envelope(GET_SPEC, query, brand_id=BRAND))
    assert (stored.spec, stored.canonical_json) == (design("Zoé"), created.canonical_json)
    with pytest.raises(NotFound) as missing:
        await spec_service.bus.handle(GET_SPEC, envelope(GET_SPEC, query, brand_id=OTHER))
    assert [(e.field, e.code) for e in missing.value.errors] == [
        ("spec_hash", ErrorCode.NOT_FOUND)]


async def test_validating_a_document_reads_and_writes_nothing(spec_service, units) -> None:
    created = await create(spec_service)
    document = design().model_dump(mode="json")
    check = ValidateSpec(document=document, spec_hash=created.spec_hash)
    checked = await spec_service.bus.handle(
        VALIDATE_SPEC, envelope(VALIDATE_SPEC, check, brand_id=None))
    assert checked.valid and checked.spec_hash == created.spec_hash
    assert len(units.emitted) == 1  # the creation's only


# --- a snapshot's spec ---------------------------------------------------------------------------
def snapshot_created(text: str, snapshot_id: str, brand: str | None = BRAND):  # noqa: ANN201
    spec = design(text)
    data = SnapshotCreated(snapshot_id=snapshot_id, spec_hash=canonicalize(spec).hash, spec=spec)
    return envelope(SNAPSHOT_CREATED, data, brand_id=brand, producer="snapshot")


async def test_a_snapshots_spec_is_stored_from_its_event_once(spec_service, units) -> None:
    first, again = snapshot_created("Ada", "s-1"), snapshot_created("Ada", "s-2")
    outcomes = [await spec_service.bus.handle(SNAPSHOT_CREATED, event)
                for event in (first, again, first)]  # the first one redelivered at the end
    assert [o.verdict for o in outcomes] == ["ack"] * 3
    canonical = canonicalize(design("Ada"))
    assert units.repository.specs == {(BRAND, canonical.hash): canonical.json}
    assert units.emitted_data(SPEC_CREATED) == [
        SpecCreated(spec_hash=canonical.hash, product_id="p-1", template_version=1)]
    assert units.emitted[0].causation_id == first.id


async def test_a_snapshot_event_without_a_brand_is_dead_lettered(spec_service, units) -> None:
    outcome = await spec_service.bus.handle(SNAPSHOT_CREATED, snapshot_created("Ada", "s-1", None))
    assert (outcome.verdict, outcome.poison) == ("dead_letter", True)
    assert units.repository.specs == {} and units.emitted == []
