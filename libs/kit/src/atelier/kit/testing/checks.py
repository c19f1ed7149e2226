"""Assertions every service's schema test shares: its migrations build what its models declare,
in its own schema, tenant tables carry ``brand_id``, and its runtime starts, is ready and stops."""

from collections.abc import Iterable

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from atelier.kit.db import asyncpg_dsn
from atelier.kit.migrations import KIT_TABLE_NAMES
from atelier.kit.runtime import Runtime


async def columns_by_table(database_url: str, schema: str) -> dict[str, set[str]]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        rows = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = $1",
            schema,
        )
    finally:
        await conn.close()
    tables: dict[str, set[str]] = {}
    for row in rows:
        tables.setdefault(row["table_name"], set()).add(row["column_name"])
    return tables


async def migration_drift(database_url: str, metadata: MetaData) -> list[object]:
    """What alembic autogenerate would change to make the migrated schema match the models."""

    own = {table.name for table in metadata.sorted_tables}

    def only_this_schema(name: str | None, kind: str, _: object) -> bool:
        # the service's tables, or the kit's when ``metadata`` is the kit's (a schema holds both)
        if kind == "schema":
            return name == metadata.schema
        return kind != "table" or name in own or name not in KIT_TABLE_NAMES

    def compare(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection,
            opts={"include_schemas": True, "compare_type": True, "include_name": only_this_schema},
        )
        return list(compare_metadata(context, metadata))

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


async def assert_service_schema(
    database_url: str, metadata: MetaData, tenant_tables: Iterable[str]
) -> None:
    """The service's migrations created exactly ``tenant_tables`` (plus the kit's) in its
    own schema, each with a ``brand_id`` column, and match its models column for column."""
    schema = metadata.schema
    assert schema, "a service's tables live in its own schema"
    tables = await columns_by_table(database_url, schema)
    assert set(tables) - KIT_TABLE_NAMES == set(tenant_tables)
    for table in tenant_tables:
        assert "brand_id" in tables[table], f"{schema}.{table} has no brand_id"
    assert await migration_drift(database_url, metadata) == []


async def assert_starts_ready_and_stops(runtime: Runtime) -> None:
    await runtime.start()
    client = runtime.broker.connection
    try:
        assert await runtime.readiness() == {"database": True, "nats": True}
    finally:
        await runtime.stop()
    assert client.is_closed, "stop() leaves no connection to NATS behind"
