"""Assertions every service's schema test shares: its migrations build what its models declare,
in its own schema, tenant tables carry ``brand_id`` and are walled off by brand (row-level
security), and its runtime starts, is ready and stops."""

import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, CursorResult, MetaData, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from atelier.kit import context
from atelier.kit.db import (
    ALL_BRANDS_SETTING,
    BRAND_SETTING,
    Database,
    asyncpg_dsn,
    service_database_url,
)
from atelier.kit.migrations import KIT_TABLE_NAMES
from atelier.kit.runtime import Runtime
from atelier.kit.settings import ServiceSettings


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


RLS_REFUSED = "violates row-level security policy"


def _value(column: asyncpg.Record) -> Any:
    """A value of the column's type, unique where it is text (keys, hashes, ids)."""
    kind = column["data_type"]
    if kind in ("character varying", "text", "character"):
        return uuid.uuid4().hex[: column["character_maximum_length"] or 32]
    if kind in ("integer", "bigint", "smallint"):
        return 1
    if kind == "boolean":
        return False
    if kind == "timestamp with time zone":
        return datetime.now(UTC).isoformat()
    if kind in ("jsonb", "json"):
        return {}
    if kind == "bytea":
        return "\\x00"
    if kind == "ARRAY":
        return []
    raise AssertionError(f"no value for {column['column_name']} ({kind}): give one in values")


async def assert_brand_isolation(
    settings: ServiceSettings,
    values: Mapping[str, Mapping[str, Any]] | None = None,
    brand_columns: Mapping[str, str] | None = None,
) -> None:
    """Every tenant table of the service (every table of its schema but the kit's) is walled off
    by brand for the role the service connects as (DESIGN §8).

    With a row of two brands in each table (written by the owner; ``values`` gives a table's
    columns that a check constraint restricts, ``brand_columns`` the brand column of a table
    whose brand is not ``brand_id``), a query with no brand filter, run as the service's role in
    a transaction of one brand, sees that brand's row only; with no brand, none; it cannot write
    a row of the other brand, nor change or delete one. Only across brands are both seen, and
    even then no row of a brand is written. A brand column that may be NULL (a row that belongs
    to no brand yet) is written and seen only across brands. The role is not the tables' owner,
    nor a superuser, nor exempt from row-level security."""
    schema, role = settings.database_schema, settings.database_role
    assert role, "the service connects as a role of its own"
    owner = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    db = Database(service_database_url(settings), schema, pool_size=1)
    a, b = f"brand-a-{uuid.uuid4().hex[:8]}", f"brand-b-{uuid.uuid4().hex[:8]}"
    tables: dict[str, list[asyncpg.Record]] = {}
    brand_of: dict[str, str] = {}
    try:
        for field in await owner.fetch(
            "SELECT table_name, column_name, data_type, is_nullable, character_maximum_length "
            "FROM information_schema.columns WHERE table_schema = $1 ORDER BY ordinal_position",
            schema,
        ):
            if field["table_name"] not in KIT_TABLE_NAMES:
                tables.setdefault(field["table_name"], []).append(field)
        assert tables, f"{schema} has no tenant tables"
        brand_of.update({table: (brand_columns or {}).get(table, "brand_id") for table in tables})

        def row(table: str, brand: str | None) -> str:
            given = (values or {}).get(table, {})
            cells = {
                c["column_name"]: given.get(c["column_name"], _value(c))
                for c in tables[table] if c["is_nullable"] == "NO" or c["column_name"] in given
            }
            return json.dumps({**cells, brand_of[table]: brand})

        def insert(table: str) -> str:
            name = f'"{schema}"."{table}"'
            return f"INSERT INTO {name} SELECT * FROM json_populate_record(NULL::{name}, $1::json)"

        attributes = await owner.fetchrow(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", role)
        assert attributes is not None, f"setup created no role {role}"
        assert not attributes["rolsuper"] and not attributes["rolbypassrls"]
        async with owner.transaction():
            await owner.execute("SET LOCAL session_replication_role = replica")  # no FKs, guards
            for table in tables:
                walled = await owner.fetchrow(
                    "SELECT c.relrowsecurity, pg_get_userbyid(c.relowner) AS owner "
                    "FROM pg_class c WHERE c.oid = $1::regclass", f'"{schema}"."{table}"')
                assert walled is not None, f"no table {schema}.{table}"
                assert walled["relrowsecurity"], f"{schema}.{table} has no row-level security"
                assert walled["owner"] != role, f"{role} owns {schema}.{table}"
                for brand in (a, b):
                    await owner.execute(insert(table), row(table, brand))

        for table, column in brand_of.items():
            name = f'"{schema}"."{table}"'
            unscoped = text(f'SELECT "{column}" FROM {name}')  # no brand filter: deliberately
            writes = text(insert(table).replace("$1", "CAST(:row AS json)"))
            seen: dict[str | None, list[str]] = {}
            token = context.brand_id.set(a)
            try:  # the brand in hand, as a message or request sets it
                async with db.sessions() as session:
                    seen[a] = list((await session.execute(unscoped)).scalars())
            finally:
                context.brand_id.reset(token)
            for other in (b, None):
                async with db.session(brand_id=other) as session:
                    seen[other] = list((await session.execute(unscoped)).scalars())
            assert seen == {a: [a], b: [b], None: []}, f"{schema}.{table}: {seen}"
            ours = text(f'SELECT "{column}" FROM {name} WHERE "{column}" IN (:a, :b)')
            unbranded = text(f'SELECT count(*) FROM {name} WHERE "{column}" IS NULL')
            async with db.session(across_brands=True) as session:  # other tests' rows too
                assert sorted((await session.execute(ours, {"a": a, "b": b})).scalars()) == [a, b]

            async with db.session(brand_id=a) as session:
                for change in (f'UPDATE {name} SET "{column}" = "{column}"', f"DELETE FROM {name}"):
                    result = cast(CursorResult, await session.execute(
                        text(f'{change} WHERE "{column}" = :b'), {"b": b}))
                    assert result.rowcount == 0, f"{schema}.{table}: {change} reached brand b"
            for scope in ({"brand_id": a}, {"across_brands": True}):
                async with db.session(**scope) as session:
                    with pytest.raises(DBAPIError, match=RLS_REFUSED):
                        await session.execute(writes, {"row": row(table, b)})
            nullable = next(c for c in tables[table] if c["column_name"] == column)
            if nullable["is_nullable"] == "YES":
                async with db.session(brand_id=a) as session:
                    with pytest.raises(DBAPIError, match=RLS_REFUSED):
                        await session.execute(writes, {"row": row(table, None)})
                async with db.session(across_brands=True) as session:  # rolled back
                    before = (await session.execute(unbranded)).scalar_one()
                    await session.execute(writes, {"row": row(table, None)})
                    assert (await session.execute(unbranded)).scalar_one() == before + 1
                    # the same transaction, set to brand a: the row without a brand is gone
                    await session.execute(text(
                        f"SELECT set_config('{BRAND_SETTING}', :a, true), "
                        f"set_config('{ALL_BRANDS_SETTING}', 'off', true)"), {"a": a})
                    assert (await session.execute(unbranded)).scalar_one() == 0
    finally:
        await db.dispose()
        async with owner.transaction():
            await owner.execute("SET LOCAL session_replication_role = replica")
            for table, brand_column in reversed(brand_of.items()):
                await owner.execute(
                    f'DELETE FROM "{schema}"."{table}" WHERE "{brand_column}" = ANY($1::text[])',
                    [a, b])
        await owner.close()
