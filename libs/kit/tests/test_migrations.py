"""Every service's migrations on a database of the test's own: a database migrated before the
inbox had its index by age gets it from revision 0002, and loses it again on downgrade; every
tenant table is walled off by brand, until that revision is undone."""

import asyncio

import asyncpg
import pytest
from alembic import command
from alembic.script import ScriptDirectory

from atelier.contracts.catalog import SERVICES
from atelier.kit.db import asyncpg_dsn
from atelier.kit.migrations import alembic_config, upgrade
from atelier.kit.outbox import INBOX_BY_AGE
from atelier.kit.testing.checks import KIT_TABLES
from atelier.kit.testing.plugin import create_database, drop_database, unique


async def inbox_indexes(url: str, schema: str) -> set[str]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch("SELECT indexname FROM pg_indexes "
                                "WHERE schemaname = $1 AND tablename = 'inbox'", schema)
        return {row["indexname"] for row in rows}
    finally:
        await conn.close()


@pytest.mark.parametrize("service", SERVICES)
async def test_an_inbox_migrated_before_its_index_by_age_gets_it(service: str) -> None:
    name = unique("atelier_migrations_")
    url = await create_database(name)
    try:
        await upgrade(service, url, "0001")
        conn = await asyncpg.connect(asyncpg_dsn(url))  # as 0001 built it before the index
        await conn.execute(f'DROP INDEX IF EXISTS "{service}"."{INBOX_BY_AGE}"')
        await conn.close()
        await upgrade(service, url)
        assert INBOX_BY_AGE in await inbox_indexes(url, service)
        await asyncio.to_thread(command.downgrade, alembic_config(service, url), "0001")
        assert INBOX_BY_AGE not in await inbox_indexes(url, service)
        await upgrade(service, url)  # and up again
        assert INBOX_BY_AGE in await inbox_indexes(url, service)
    finally:
        await drop_database(name)


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
        assert {t for t, on in walled.items() if on} == set(walled) - KIT_TABLES != set()
        config = alembic_config(service, url)
        [revision] = [r for r in ScriptDirectory.from_config(config).walk_revisions()
                      if r.path.endswith("_brand_isolation.py")]
        await asyncio.to_thread(command.downgrade, config, revision.down_revision)
        assert not any((await walled_tables(url, service)).values())
    finally:
        await drop_database(name)
