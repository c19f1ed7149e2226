"""The kit's history and every service's, on databases of the test's own: the kit's tables come
from the kit's history alone (adopting those a service's own first migration made before), and
each history goes up and down without touching the other's tables."""

import asyncio

import asyncpg
import pytest
from alembic import command

from atelier.contracts.catalog import SERVICES
from atelier.kit.db import asyncpg_dsn
from atelier.kit.migrations import (
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
