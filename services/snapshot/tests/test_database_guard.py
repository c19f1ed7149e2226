"""The database itself keeps snapshots immutable and their lifecycle legal, whatever SQL a
connection sends: raw statements, no service code in the way."""

import asyncpg
import pytest

from atelier.contracts.catalog import LOCK_SNAPSHOT, VALIDATE_SNAPSHOT
from atelier.contracts.snapshot import LockSnapshot, ValidateSnapshot
from atelier.kit.testing.plugin import unique

Refused = asyncpg.RestrictViolationError


async def row_of(db, snapshot_id: str) -> dict:
    return dict(await db.fetchrow("SELECT *, spec::text AS spec_text FROM snapshot.snapshots "
                                  "WHERE id=$1", snapshot_id))


async def update(db, snapshot_id: str, change: str) -> None:
    await db.execute(f"UPDATE snapshot.snapshots SET {change} WHERE id=$1", snapshot_id)


FROZEN = [
    "spec = '{}'::jsonb",
    "spec_hash = repeat('0', 64)",
    "brand_id = 'thief'",
    "product_id = 'p-2'",
    "template_version = 4",
    "created_at = now() - interval '1 day'",
    "id = 'another-id'",
    "provenance = '{\"source\": \"forged\"}'::jsonb",
    "review = '[{\"entry\": \"forged\"}]'::jsonb",
]


@pytest.mark.parametrize("change", FROZEN)
async def test_the_design_columns_never_change(create, db, change) -> None:
    created = await create(unique("brand-"))
    before = await row_of(db, created.id)
    with pytest.raises(Refused, match="immutable: only its lifecycle may change"):
        await update(db, created.id, change)
    assert await row_of(db, created.id) == before


async def test_a_frozen_column_cannot_change_along_with_a_legal_transition(create, db) -> None:
    created = await create(unique("brand-"))
    with pytest.raises(Refused, match="immutable"):
        await update(db, created.id, "status='validated', validated_by='x', validated_at=now(), "
                                     "spec_hash=repeat('0', 64)")


async def test_no_snapshot_is_ever_deleted_or_truncated(create, db) -> None:
    created = await create(unique("brand-"))
    with pytest.raises(Refused, match="immutable: DELETE refused"):
        await db.execute("DELETE FROM snapshot.snapshots WHERE id=$1", created.id)
    with pytest.raises(Refused, match="immutable: TRUNCATE refused"):
        await db.execute("TRUNCATE snapshot.snapshots")
    assert await db.fetchval("SELECT count(*) FROM snapshot.snapshots WHERE id=$1",
                             created.id) == 1


@pytest.mark.parametrize(
    "change",
    [
        "lock_reason = 'order:forged'",
        "locked_by = 'someone-else'",
        "locked_at = now()",
        "validated_by = 'late', validated_at = now()",
        "status = 'validated'",
        "status = 'created', locked_at = NULL, locked_by = NULL, lock_reason = NULL",
        "status = 'locked'",  # even a no-op
        "spec = '{}'::jsonb",
    ],
)
async def test_a_locked_snapshot_refuses_any_update(create, client_bus, db, change) -> None:
    brand = unique("brand-")
    created = await create(brand)
    await client_bus.call(
        LOCK_SNAPSHOT, LockSnapshot(snapshot_id=created.id, by="commerce", reason="order:o-1"),
        brand_id=brand,
    )
    before = await row_of(db, created.id)
    with pytest.raises(Refused, match="is locked: it can never change"):
        await update(db, created.id, change)
    assert await row_of(db, created.id) == before


@pytest.mark.parametrize(
    ("validated_first", "change", "refusal"),
    [
        # not a transition at all
        (False, "status = 'created'", "created -> created is not a transition"),
        (False, "validated_by = 'x', validated_at = now()", "created -> created is not a"),
        (True, "status = 'created', validated_by = NULL, validated_at = NULL",
         "validated -> created is not a transition"),
        (True, "validated_by = 'someone-else'", "validated -> validated is not a transition"),
        (False, "status = 'shipped'", "created -> shipped is not a transition"),
        # a legal transition without its who/when, or with another stage's columns
        (False, "status = 'validated'", "sets validated_at and validated_by"),
        (False, "status = 'validated', validated_by = 'x'", "sets validated_at and validated_by"),
        (False, "status = 'validated', validated_by = 'x', validated_at = now(), "
                "lock_reason = 'r'", "and nothing of a lock"),
        (False, "status = 'locked', locked_by = 'x', locked_at = now()",
         "sets locked_at, locked_by and lock_reason"),
        (False, "status = 'locked', locked_by = 'x', locked_at = now(), lock_reason = 'r', "
                "validated_by = 'x', validated_at = now()", "leaves its validation as it was"),
        (True, "status = 'locked', locked_by = 'x', locked_at = now(), lock_reason = 'r', "
               "validated_by = 'forged'", "leaves its validation as it was"),
    ],
)
async def test_only_the_lifecycle_transitions_with_their_stamps_are_allowed(
    create, client_bus, db, validated_first, change, refusal
) -> None:
    brand = unique("brand-")
    created = await create(brand)
    if validated_first:
        await client_bus.call(
            VALIDATE_SNAPSHOT, ValidateSnapshot(snapshot_id=created.id, by="ada"), brand_id=brand
        )
    before = await row_of(db, created.id)
    with pytest.raises(Refused, match=refusal):
        await update(db, created.id, change)
    assert await row_of(db, created.id) == before


@pytest.mark.parametrize(
    "steps",
    [
        ["status='validated', validated_by='ada', validated_at=now()",
         "status='locked', locked_by='commerce', locked_at=now(), lock_reason='order:o-1'"],
        ["status='locked', locked_by='commerce', locked_at=now(), lock_reason='order:o-1'"],
    ],
)
async def test_the_legal_transitions_pass_the_database(create, db, steps) -> None:
    created = await create(unique("brand-"))
    for step in steps:
        await update(db, created.id, step)
    row = await row_of(db, created.id)
    assert (row["status"], row["locked_by"], row["lock_reason"]) == ("locked", "commerce",
                                                                    "order:o-1")


@pytest.mark.parametrize(
    ("status", "extra"),
    [("locked", ", locked_by, locked_at, lock_reason) VALUES ($1, 'b', 'p', $2, 1, '{}', 'locked', "
                "'{}', 'x', now(), 'r')"),
     ("created", ", validated_by) VALUES ($1, 'b', 'p', $2, 1, '{}', 'created', '{}', 'x')")],
)
async def test_a_snapshot_is_inserted_as_created_and_nothing_else(db, status, extra) -> None:
    statement = ("INSERT INTO snapshot.snapshots (id, brand_id, product_id, spec_hash, "
                 "template_version, spec, status, provenance" + extra)
    with pytest.raises(Refused, match="inserted as created"):
        await db.execute(statement, unique("s-"), "0" * 64)
