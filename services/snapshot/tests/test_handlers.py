"""The snapshot service's use cases through ``bootstrap()`` with the kit's fakes: its entrypoints
driven as the bus drives them, without NATS or Postgres (test_snapshots.py and
test_database_guard.py run the real ones)."""

import unicodedata
from typing import Any

import pytest

from atelier.contracts import ErrorCode
from atelier.contracts.catalog import (
    CREATE_SNAPSHOT,
    GET_SNAPSHOT,
    LOCK_SNAPSHOT,
    SNAPSHOT_CREATED,
    SNAPSHOT_LOCKED,
    SNAPSHOT_VALIDATED,
    VALIDATE_SNAPSHOT,
)
from atelier.contracts.snapshot import (
    CreateSnapshot,
    GetSnapshot,
    LockSnapshot,
    Provenance,
    SnapshotCreated,
    SnapshotLocked,
    SnapshotStatus,
    SnapshotValidated,
    SnapshotView,
    ValidateSnapshot,
)
from atelier.kit.errors import Conflict, Invalid, NotFound
from atelier.kit.runtime import Runtime
from atelier.kit.testing.fakes import FakeUnits, envelope
from atelier.snapshot.bootstrap import bootstrap
from atelier.snapshot.settings import SnapshotSettings

from .conftest import design, hash_of
from .fakes import FakeSnapshotRepository

BRAND, OTHER = "brand-a", "brand-b"


@pytest.fixture
def units() -> FakeUnits[FakeSnapshotRepository]:
    return FakeUnits(FakeSnapshotRepository(), SnapshotSettings.service)


@pytest.fixture
def snapshots(units) -> Runtime:
    return bootstrap(SnapshotSettings(), units=units)


class Calls:
    """The service's rpc methods, called through its bus as the gateway calls them."""

    def __init__(self, service: Runtime) -> None:
        self.bus = service.bus
        self.keys = 0

    async def send(self, message: Any, data: Any, brand: str | None = BRAND,
                   key: str | None = None) -> SnapshotView:
        self.keys += 1
        key = key or f"key-{self.keys}" if message.mutates else None
        return await self.bus.handle(message, envelope(message, data, brand_id=brand),
                                     request_key=key)

    async def create(self, text: str = "Ada", **fields: Any) -> SnapshotView:
        spec = design(text)
        return await self.send(CREATE_SNAPSHOT, CreateSnapshot(spec=spec), **fields)

    async def get(self, snapshot_id: str, brand: str = BRAND) -> SnapshotView:
        return await self.send(GET_SNAPSHOT, GetSnapshot(snapshot_id=snapshot_id), brand)

    async def validate(self, snapshot_id: str, brand: str = BRAND, by: str = "ada@brand",
                       key: str | None = None) -> SnapshotView:
        command = ValidateSnapshot(snapshot_id=snapshot_id, by=by)
        return await self.send(VALIDATE_SNAPSHOT, command, brand, key)

    async def lock(self, snapshot_id: str, brand: str = BRAND, reason: str = "order:o-1",
                   key: str | None = None) -> SnapshotView:
        command = LockSnapshot(snapshot_id=snapshot_id, by="commerce", reason=reason)
        return await self.send(LOCK_SNAPSHOT, command, brand, key)


@pytest.fixture
def calls(snapshots) -> Calls:
    return Calls(snapshots)


# --- create --------------------------------------------------------------------------------------
async def test_a_created_snapshot_is_stored_announced_and_read_back(calls, units) -> None:
    created = await calls.create("Zoé")
    assert (created.status, created.product_id, created.template_version) == (
        SnapshotStatus.CREATED, "p-1", 3)
    assert created.provenance == Provenance(source="api")
    assert await calls.get(created.id) == created
    assert units.emitted_data(SNAPSHOT_CREATED) == [
        SnapshotCreated(snapshot_id=created.id, spec_hash=hash_of(design("Zoé")),
                        spec=design("Zoé"))]
    assert [(e.producer, e.brand_id) for e in units.emitted] == [("snapshot", BRAND)]


async def test_a_snapshot_is_named_by_the_hash_of_its_spec(calls) -> None:
    assert (await calls.create("Ada")).spec_hash == hash_of(design("Ada"))  # RFC 8785, SHA-256


async def test_a_spec_with_no_canonical_form_is_refused(calls, units) -> None:
    command = CreateSnapshot(spec=design(unicodedata.normalize("NFD", "Zoé")))
    with pytest.raises(Invalid) as refused:
        await calls.send(CREATE_SNAPSHOT, command)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("spec.zones.0.text", ErrorCode.SPEC_INVALID)]
    assert units.repository.snapshots == {} and units.emitted == []


async def test_a_repeated_request_key_gives_back_the_first_snapshot(calls, units) -> None:
    first = await calls.create(key="k")
    again = await calls.create(key="k")
    other_brand = await calls.create(key="k", brand=OTHER)
    assert again == first and other_brand.id != first.id
    assert len(units.repository.snapshots) == 2
    assert len(units.emitted_data(SNAPSHOT_CREATED)) == 2


# --- lifecycle -----------------------------------------------------------------------------------
async def test_validate_then_lock_records_who_and_announces_each(calls, units) -> None:
    created = await calls.create()
    validated = await calls.validate(created.id, by="ada@brand")
    assert (validated.status, validated.validated_by) == (SnapshotStatus.VALIDATED, "ada@brand")
    locked = await calls.lock(created.id, reason="order:o-42")
    assert (locked.status, locked.locked_by, locked.lock_reason) == (
        SnapshotStatus.LOCKED, "commerce", "order:o-42")
    assert locked.validated_by == "ada@brand"
    assert await calls.get(created.id) == locked
    assert units.emitted_data(SNAPSHOT_VALIDATED) == [
        SnapshotValidated(snapshot_id=created.id, spec_hash=created.spec_hash, by="ada@brand")]
    assert units.emitted_data(SNAPSHOT_LOCKED) == [
        SnapshotLocked(snapshot_id=created.id, spec_hash=created.spec_hash, by="commerce",
                       reason="order:o-42")]


@pytest.mark.parametrize(
    ("before", "refused", "message"),
    [
        (["validate"], "validate", "A validated snapshot cannot be validated."),
        (["lock"], "validate", "A locked snapshot cannot be validated."),
        (["lock"], "lock", "A locked snapshot cannot be locked."),
    ],
)
async def test_an_illegal_transition_is_a_conflict_that_changes_nothing(
    calls, units, before, refused, message
) -> None:
    created = await calls.create()
    for step in before:
        state = await getattr(calls, step)(created.id)
    emitted = list(units.emitted)
    with pytest.raises(Conflict) as conflict:
        await getattr(calls, refused)(created.id)
    assert [(e.field, e.code, e.message) for e in conflict.value.errors] == [
        ("status", ErrorCode.INVALID_TRANSITION, message)]
    assert await calls.get(created.id) == state and units.emitted == emitted


async def test_a_retried_lock_gets_its_first_answer_not_a_conflict(calls) -> None:
    created = await calls.create()
    first = await calls.lock(created.id, key="lock-o-7")
    assert await calls.lock(created.id, key="lock-o-7") == first
    with pytest.raises(Conflict):
        await calls.lock(created.id, key="lock-o-8")


async def test_another_brands_snapshot_does_not_exist(calls) -> None:
    created = await calls.create()
    for snapshot_id in (created.id, "no-such-snapshot"):
        for attempt in (calls.get, calls.validate, calls.lock):
            with pytest.raises(NotFound) as missing:
                await attempt(snapshot_id, OTHER)
            assert [(e.field, e.code) for e in missing.value.errors] == [
                ("snapshot_id", ErrorCode.NOT_FOUND)]
