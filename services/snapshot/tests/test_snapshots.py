"""Snapshots through the bus, on real Postgres and NATS: created once per request key (the kit's),
validated and locked along their lifecycle, announced through the outbox, invisible to other
brands."""

import asyncio
import json
import unicodedata

import pytest
from nats.js.api import RawStreamMsg

from atelier.contracts import Envelope, ErrorCode
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
    HeldWord,
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
from atelier.kit.testing.plugin import eventually, stream_messages, unique

from .conftest import hash_of


async def get(client_bus, brand: str, snapshot_id: str) -> SnapshotView:
    return await client_bus.call(GET_SNAPSHOT, GetSnapshot(snapshot_id=snapshot_id), brand_id=brand)


async def validate(client_bus, brand: str, snapshot_id: str, by: str = "ada@brand") -> SnapshotView:
    return await client_bus.call(
        VALIDATE_SNAPSHOT, ValidateSnapshot(snapshot_id=snapshot_id, by=by), brand_id=brand
    )


async def lock(client_bus, brand: str, snapshot_id: str, reason: str = "order:o-1") -> SnapshotView:
    return await client_bus.call(
        LOCK_SNAPSHOT, LockSnapshot(snapshot_id=snapshot_id, by="commerce", reason=reason),
        brand_id=brand,
    )


async def subjects_of(db, snapshot_id: str) -> list[str]:
    """The events the snapshot service committed about one snapshot, in order."""
    rows = await db.fetch(
        "SELECT subject FROM snapshot.outbox WHERE convert_from(payload, 'UTF8') LIKE $1 "
        "ORDER BY seq", f"%{snapshot_id}%")
    return [row["subject"] for row in rows]


async def published(
    nats_url: str, namespace: str, snapshot_id: str, count: int = 1
) -> list[RawStreamMsg] | None:
    """The events about one snapshot in the EVT_SNAPSHOT stream, once there are ``count``."""
    messages = await stream_messages(nats_url, f"{namespace.upper()}_EVT_SNAPSHOT")
    found = [m for m in messages if json.loads(m.data)["data"]["snapshot_id"] == snapshot_id]
    return found if len(found) >= count else None


# --- create and get ------------------------------------------------------------------------------
async def test_a_snapshot_is_stored_and_read_back(create, client_bus, a_spec) -> None:
    brand = unique("brand-")
    provenance = Provenance(source="widget", key_prefix="pk_live_ab", origin="https://shop.test",
                            user_agent="Mozilla/5.0", correlation_id="c-1")
    created = await create(brand, provenance=provenance)
    assert created.status == SnapshotStatus.CREATED
    assert (created.product_id, created.template_version) == ("p-1", 3)
    assert created.provenance == provenance
    assert (created.validated_at, created.validated_by, created.locked_at, created.locked_by,
            created.lock_reason) == (None,) * 5
    assert await get(client_bus, brand, created.id) == created


async def test_the_words_for_review_are_recorded_with_the_snapshot(
    create, client_bus, db
) -> None:
    """Until orders exist (issue 14), this is what holds an order item: a snapshot whose design
    has words for review says so, with the entry and where it was found, frozen with it."""
    brand = unique("brand-")
    held = [HeldWord(zone="name", entry="dick", source="en", position=5, matched="Dick")]
    created = await create(brand, review=held)
    assert created.review == held == (await get(client_bus, brand, created.id)).review
    assert json.loads(await db.fetchval("SELECT review::text FROM snapshot.snapshots "
                                        "WHERE id=$1", created.id)) == [
        {"zone": "name", "entry": "dick", "source": "en", "position": 5, "matched": "Dick"}]
    assert (await create(brand)).review == []


async def test_without_a_request_key_each_creation_is_a_new_snapshot(create) -> None:
    brand = unique("brand-")
    first, second = await create(brand), await create(brand)
    assert first.id != second.id and first.spec_hash == second.spec_hash
    assert first.provenance == Provenance(source="api")


async def test_creation_is_announced_through_the_outbox(
    create, a_spec, db, nats_url, namespace
) -> None:
    brand = unique("brand-")
    spec = a_spec("Zoé")
    created = await create(brand, spec)
    assert await subjects_of(db, created.id) == [SNAPSHOT_CREATED.subject]
    [raw] = await eventually(lambda: published(nats_url, namespace, created.id))
    event = Envelope[SnapshotCreated].model_validate_json(raw.data)
    assert raw.headers["Nats-Msg-Id"] == event.id
    assert (event.type, event.producer, event.brand_id) == ("snapshot.created", "snapshot", brand)
    assert event.data == SnapshotCreated(
        snapshot_id=created.id, spec_hash=created.spec_hash, spec=spec
    )


async def test_a_snapshot_is_named_by_the_hash_its_service_computes(
    create, a_spec, db
) -> None:
    """Orders and production files name a design by its hash: the service computes it from the
    spec's canonical form (RFC 8785, SHA-256), as the spec service does; nobody sends it."""
    brand = unique("brand-")
    created = await create(brand, a_spec("Ada"))
    assert created.spec_hash == hash_of(a_spec("Ada"))
    stored = await db.fetchval("SELECT spec_hash FROM snapshot.snapshots WHERE id=$1", created.id)
    assert stored == created.spec_hash


async def test_a_spec_with_no_canonical_form_is_refused_and_nothing_written(
    service, client_bus, a_spec, db
) -> None:
    brand = unique("brand-")
    events = "SELECT count(*) FROM snapshot.outbox"
    before = await db.fetchval(events)
    decomposed = a_spec(unicodedata.normalize("NFD", "Zoé"))
    with pytest.raises(Invalid) as refused:
        await client_bus.call(CREATE_SNAPSHOT, CreateSnapshot(spec=decomposed), brand_id=brand)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("spec.zones.0.text", ErrorCode.SPEC_INVALID)
    ]
    assert await db.fetchval("SELECT count(*) FROM snapshot.snapshots WHERE brand_id=$1",
                             brand) == 0
    assert await db.fetchval(events) == before  # and no event


# --- idempotent creation -------------------------------------------------------------------------
async def test_a_repeated_request_key_gives_back_the_same_snapshot(create, client_bus, db) -> None:
    brand, key = unique("brand-"), unique("key-")
    first = await create(brand, request_key=key)
    again = await create(brand, request_key=key, provenance=Provenance(source="widget"))
    assert again == first  # the first provenance stays: nothing was written the second time
    assert await db.fetchval("SELECT count(*) FROM snapshot.snapshots WHERE brand_id=$1",
                             brand) == 1
    assert await subjects_of(db, first.id) == [SNAPSHOT_CREATED.subject]


async def test_concurrent_creations_with_one_request_key_make_one_snapshot(create, db) -> None:
    brand, key = unique("brand-"), unique("key-")
    views = await asyncio.gather(*(create(brand, request_key=key) for _ in range(8)))
    assert len({view.id for view in views}) == 1
    assert await db.fetchval("SELECT count(*) FROM snapshot.snapshots WHERE brand_id=$1",
                             brand) == 1
    assert await subjects_of(db, views[0].id) == [SNAPSHOT_CREATED.subject]


async def test_a_request_key_belongs_to_one_brand(create) -> None:
    key = unique("key-")
    mine, theirs = await create(unique("brand-"), request_key=key), await create(
        unique("brand-"), request_key=key)
    assert mine.id != theirs.id


# --- lifecycle -----------------------------------------------------------------------------------
async def test_a_retried_lock_gets_its_first_answer_not_a_conflict(create, client_bus) -> None:
    brand = unique("brand-")
    created = await create(brand)
    command = LockSnapshot(snapshot_id=created.id, by="commerce", reason="order:o-7")
    first = await client_bus.call(LOCK_SNAPSHOT, command, brand_id=brand, request_key="lock-o-7")
    again = await client_bus.call(LOCK_SNAPSHOT, command, brand_id=brand, request_key="lock-o-7")
    assert again == first and first.status == SnapshotStatus.LOCKED
    with pytest.raises(Conflict):  # a new request to lock it again is an illegal transition
        await client_bus.call(LOCK_SNAPSHOT, command, brand_id=brand, request_key="lock-o-8")


async def test_validate_then_lock_records_who_and_when_and_announces_each(
    create, client_bus, db, nats_url, namespace
) -> None:
    brand = unique("brand-")
    created = await create(brand)
    validated = await validate(client_bus, brand, created.id, by="ada@brand")
    assert validated.status == SnapshotStatus.VALIDATED
    assert validated.validated_by == "ada@brand"
    assert validated.validated_at is not None and validated.validated_at >= created.created_at
    assert validated.locked_at is None

    locked = await lock(client_bus, brand, created.id, reason="order:o-42")
    assert locked.status == SnapshotStatus.LOCKED
    assert (locked.locked_by, locked.lock_reason) == ("commerce", "order:o-42")
    assert locked.locked_at is not None and locked.locked_at >= validated.validated_at
    assert (locked.validated_by, locked.validated_at) == ("ada@brand", validated.validated_at)
    assert await get(client_bus, brand, created.id) == locked

    assert await subjects_of(db, created.id) == [
        SNAPSHOT_CREATED.subject, SNAPSHOT_VALIDATED.subject, SNAPSHOT_LOCKED.subject
    ]
    _, raw_validated, raw_locked = await eventually(
        lambda: published(nats_url, namespace, created.id, count=3)
    )
    validated_event = Envelope[SnapshotValidated].model_validate_json(raw_validated.data)
    locked_event = Envelope[SnapshotLocked].model_validate_json(raw_locked.data)
    assert validated_event.data == SnapshotValidated(
        snapshot_id=created.id, spec_hash=created.spec_hash, by="ada@brand"
    )
    assert locked_event.data == SnapshotLocked(
        snapshot_id=created.id, spec_hash=created.spec_hash, by="commerce", reason="order:o-42"
    )
    assert (validated_event.type, locked_event.type) == ("snapshot.validated", "snapshot.locked")
    assert validated_event.brand_id == locked_event.brand_id == brand


async def test_a_created_snapshot_can_be_locked_directly(create, client_bus, db) -> None:
    brand = unique("brand-")
    created = await create(brand)
    locked = await lock(client_bus, brand, created.id)
    assert locked.status == SnapshotStatus.LOCKED
    assert (locked.validated_by, locked.validated_at) == (None, None)
    assert await subjects_of(db, created.id) == [SNAPSHOT_CREATED.subject,
                                                 SNAPSHOT_LOCKED.subject]


@pytest.mark.parametrize(
    ("before", "refused", "message"),
    [
        (["validate"], "validate", "A validated snapshot cannot be validated."),
        (["lock"], "validate", "A locked snapshot cannot be validated."),
        (["validate", "lock"], "validate", "A locked snapshot cannot be validated."),
        (["lock"], "lock", "A locked snapshot cannot be locked."),
        (["validate", "lock"], "lock", "A locked snapshot cannot be locked."),
    ],
)
async def test_an_illegal_transition_is_a_conflict_that_changes_nothing(
    create, client_bus, db, before, refused, message
) -> None:
    brand = unique("brand-")
    created = await create(brand)
    steps = {"validate": validate, "lock": lock}
    for step in before:
        state = await steps[step](client_bus, brand, created.id)
    events = await subjects_of(db, created.id)
    with pytest.raises(Conflict) as conflict:
        await steps[refused](client_bus, brand, created.id, "someone-else")
    assert conflict.value.status == 409
    assert [(e.field, e.code, e.message) for e in conflict.value.errors] == [
        ("status", ErrorCode.INVALID_TRANSITION, message)
    ]
    assert await get(client_bus, brand, created.id) == state
    assert await subjects_of(db, created.id) == events


async def test_of_two_concurrent_locks_one_wins_and_one_is_refused(create, client_bus, db) -> None:
    brand = unique("brand-")
    created = await create(brand)
    outcomes = await asyncio.gather(
        lock(client_bus, brand, created.id, "order:a"), lock(client_bus, brand, created.id,
                                                             "order:b"),
        return_exceptions=True,
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "SnapshotView"]
    assert (await subjects_of(db, created.id)).count(SNAPSHOT_LOCKED.subject) == 1


async def test_another_brands_snapshot_does_not_exist(create, client_bus) -> None:
    created = await create(unique("brand-"))
    stranger = unique("brand-")
    for snapshot_id in (created.id, "no-such-snapshot"):
        for attempt in (get, validate, lock):
            with pytest.raises(NotFound) as missing:
                await attempt(client_bus, stranger, snapshot_id)
            assert [(e.field, e.code) for e in missing.value.errors] == [
                ("snapshot_id", ErrorCode.NOT_FOUND)
            ]


# --- templates move on, snapshots do not -------------------------------------------------------
async def test_a_template_change_does_not_alter_an_existing_snapshot_or_its_spec_hash(
    service, client_bus, db, a_spec
) -> None:
    """The snapshot side (the spec side and the whole path run in tests-e2e, with every service
    as its own process: this service's tests import no other service)."""
    brand = unique("brand-")

    async def snapshot_of(spec) -> SnapshotView:  # noqa: ANN001
        return await client_bus.call(
            CREATE_SNAPSHOT, CreateSnapshot(spec=spec), brand_id=brand
        )

    async def frozen(snapshot_id: str) -> tuple:
        return tuple(await db.fetchrow(
            "SELECT spec::text, spec_hash, template_version FROM snapshot.snapshots WHERE id=$1",
            snapshot_id))

    old = await snapshot_of(a_spec("Ada", template_version=1))
    before = await frozen(old.id)
    # the product's template moves to version 2 (a wider zone) and is snapshotted too
    new = await snapshot_of(a_spec("Ada", template_version=2, width_mm=80))
    assert new.spec_hash != old.spec_hash and new.template_version == 2
    assert await frozen(old.id) == before
    assert await get(client_bus, brand, old.id) == old
