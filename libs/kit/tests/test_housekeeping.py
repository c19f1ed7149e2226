"""Housekeeping on real Postgres: published outbox rows and inbox entries past their retention
go, in batches; unpublished rows and recent ones stay; the runtime runs it on start."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from atelier.kit.housekeeping import Housekeeping
from atelier.kit.testing.plugin import eventually, running

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def age(kit, table: str, column: str, days: float, where: str = "TRUE") -> None:
    await kit.fetch(f"UPDATE {{schema}}.{table} SET {column} = $1 WHERE {where}",
                    NOW - timedelta(days=days))


async def test_old_published_rows_and_old_inbox_entries_go_the_rest_stay(kit) -> None:
    runtime = kit.runtime(run_relay=False, run_housekeeping=False)
    await kit.emit(runtime, *(f"old-{i}" for i in range(7)), "recent", "unpublished")
    await kit.fetch("UPDATE {schema}.outbox SET published_at = now() "
                    "WHERE payload NOT LIKE '%unpublished%'")
    await age(kit, "outbox", "published_at", 8, "payload LIKE '%old-%'")
    await age(kit, "outbox", "created_at", 9, "payload LIKE '%unpublished%'")
    async with runtime.uow() as uow:
        for i in range(5):
            assert await uow.first_time("commerce-count", f"m-{i}")
        await uow.commit()
    await age(kit, "inbox", "received_at", 31, "message_id IN ('m-0', 'm-1', 'm-2')")
    await age(kit, "inbox", "received_at", 29, "message_id = 'm-3'")

    housekeeping = Housekeeping(runtime.db, runtime.metrics, 3600, batch=3, clock=lambda: NOW)
    for purge in runtime.housekeeping.purges:
        housekeeping.add(purge)
    try:
        # in batches of 3
        assert await housekeeping.purge_all() == {"outbox": 7, "inbox": 3, "request_keys": 0}
        assert await housekeeping.purge_all() == {"outbox": 0, "inbox": 0, "request_keys": 0}
    finally:
        await runtime.db.dispose()

    payloads = [row["payload"].decode() for row in await kit.outbox_rows()]
    assert len(payloads) == 2
    assert any('"recent"' in p for p in payloads) and any('"unpublished"' in p for p in payloads)
    inbox = await kit.fetch("SELECT message_id FROM {schema}.inbox ORDER BY message_id")
    assert [row["message_id"] for row in inbox] == ["m-3", "m-4"]
    purged = runtime.metrics.registry.get_sample_value
    assert purged("atelier_rows_purged_total", {"table": "outbox"}) == 7
    assert purged("atelier_rows_purged_total", {"table": "inbox"}) == 3


async def test_the_runtime_purges_on_start(kit) -> None:
    runtime = kit.runtime(run_relay=False, outbox_retention_h=1)
    await kit.emit(runtime, "published-long-ago")
    await kit.fetch("UPDATE {schema}.outbox SET published_at = now() - interval '2 hours'")
    async with running(runtime):

        async def purged() -> bool:
            return await kit.outbox_rows() == []

        await eventually(purged, timeout=10)


def test_the_inbox_outlives_every_redelivery(kit) -> None:
    with pytest.raises(ValidationError, match="inbox_retention_h"):
        kit.runtime(inbox_retention_h=24)  # Stripe retries a webhook for three days
