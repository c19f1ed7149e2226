"""The kit's history and every service's, on databases of the test's own: the kit's tables come
from the kit's history alone (adopting those a service's own first migration made before), and
each history goes up and down without touching the other's tables; every tenant table is walled
off by brand, until that revision is undone."""

import asyncio

import asyncpg
import pytest
from alembic import command
from alembic.script import ScriptDirectory

from atelier.contracts.catalog import SERVICES
from atelier.kit.db import asyncpg_dsn
from atelier.kit.migrations import (
    KIT_TABLE_NAMES,
    KIT_VERSION_TABLE,
    alembic_config,
    kit_alembic_config,
    upgrade,
    upgrade_kit,
)
from atelier.kit.tables import INBOX_BY_AGE, kit_tables
from atelier.kit.testing.checks import migration_drift
from atelier.kit.testing.plugin import create_database, drop_database, unique


async def query(url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def tables_of(url: str, schema: str) -> set[str]:
    rows = await query(url, "SELECT tablename FROM pg_tables WHERE schemaname = $1", schema)
    return {row["tablename"] for row in rows}


@pytest.fixture
async def url():  # noqa: ANN201
    name = unique("atelier_migrations_")
    try:
        yield await create_database(name)
    finally:
        await drop_database(name)


async def test_the_kit_history_builds_what_the_kit_declares(url: str) -> None:
    await upgrade_kit("svc", url)
    assert await tables_of(url, "svc") == {"outbox", "inbox", "request_keys", KIT_VERSION_TABLE}
    assert await migration_drift(url, kit_tables("svc").metadata) == []
    await asyncio.to_thread(command.downgrade, kit_alembic_config("svc", url), "base")
    assert await tables_of(url, "svc") == {KIT_VERSION_TABLE}


async def test_the_kit_adopts_the_outbox_and_inbox_a_service_history_made_before_it(
    url: str,
) -> None:
    # as a service's own revision 0001 left them, before the kit had a history (and before the
    # inbox's index by age): a row waiting in the outbox must survive the adoption
    await upgrade_kit("svc", url, "k0001")
    await query(url, f'DROP TABLE svc."{KIT_VERSION_TABLE}"')
    await query(url, f'DROP INDEX svc."{INBOX_BY_AGE}"')
    await query(url, "INSERT INTO svc.outbox (message_id, subject, payload) "
                     "VALUES ('m-1', 'evt.svc.thing.happened', '{}')")
    await upgrade_kit("svc", url)
    indexes = await query(url, "SELECT indexname FROM pg_indexes WHERE schemaname = 'svc'")
    assert INBOX_BY_AGE in {row["indexname"] for row in indexes}
    assert [row["message_id"] for row in await query(url, "SELECT * FROM svc.outbox")] == ["m-1"]
    assert await migration_drift(url, kit_tables("svc").metadata) == []


@pytest.mark.parametrize("service", SERVICES)
async def test_a_service_history_goes_down_and_up_leaving_the_kit_tables_alone(
    url: str, service: str
) -> None:
    await upgrade(service, url)
    kit = {"outbox", "inbox", "request_keys", KIT_VERSION_TABLE}
    assert kit < await tables_of(url, service)
    await asyncio.to_thread(command.downgrade, alembic_config(service, url), "base")
    assert await tables_of(url, service) == kit | {"alembic_version"}
    await upgrade(service, url)  # and up again
    assert kit < await tables_of(url, service)


async def walled_tables(url: str, schema: str) -> dict[str, bool]:
    """Every table of the schema: whether row-level security with its brand policy is on."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT c.relname, c.relrowsecurity AND EXISTS (SELECT 1 FROM pg_policies p "
            "WHERE p.schemaname = $1 AND p.tablename = c.relname "
            "AND p.policyname = 'brand_isolation') AS walled "
            "FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r'", schema)
        return {row["relname"]: row["walled"] for row in rows}
    finally:
        await conn.close()


@pytest.mark.parametrize("service", SERVICES)
async def test_every_tenant_table_is_walled_off_by_brand_until_that_revision_is_undone(
    service: str,
) -> None:
    name = unique("atelier_migrations_")
    url = await create_database(name)
    try:
        await upgrade(service, url)
        walled = await walled_tables(url, service)
        tenant = set(walled) - KIT_TABLE_NAMES
        # the service's tenant tables, and the kit's request keys (the kit's own history)
        assert {t for t, on in walled.items() if on} == tenant | {"request_keys"} != {
            "request_keys"}
        config = alembic_config(service, url)
        [revision] = [r for r in ScriptDirectory.from_config(config).walk_revisions()
                      if r.path.endswith("_brand_isolation.py")]
        await asyncio.to_thread(command.downgrade, config, revision.down_revision)
        assert not any(on for t, on in (await walled_tables(url, service)).items() if t in tenant)
    finally:
        await drop_database(name)
