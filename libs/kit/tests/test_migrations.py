"""Every service's migrations on a database of the test's own: a database migrated before the
inbox had its index by age gets it from revision 0002, and loses it again on downgrade."""

import asyncio

import asyncpg
import pytest
from alembic import command

from atelier.contracts.catalog import SERVICES
from atelier.kit.db import asyncpg_dsn
from atelier.kit.migrations import alembic_config, upgrade
from atelier.kit.outbox import INBOX_BY_AGE
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
