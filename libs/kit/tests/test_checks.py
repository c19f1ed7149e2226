"""The shared schema assertions notice what they are meant to notice."""

import uuid

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.ext.asyncio import create_async_engine

from atelier.kit.migrations import upgrade_kit
from atelier.kit.testing.checks import assert_service_schema, migration_drift


def tables(schema: str, *extra: Column) -> MetaData:
    metadata = MetaData(schema=schema)
    Table("things", metadata, Column("id", Integer, primary_key=True),
          Column("brand_id", String(64), nullable=False), *extra)
    return metadata


async def test_a_model_the_migration_does_not_match_is_reported(database_url) -> None:
    schema = f"kit_check_{uuid.uuid4().hex[:12]}"
    await upgrade_kit(schema, database_url)  # the kit's tables beside the service's
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(tables(schema).create_all)
    try:
        await assert_service_schema(database_url, tables(schema), {"things"})
        drift = await migration_drift(database_url, tables(schema, Column("colour", String(7))))
        assert [d[0] for d in drift] == ["add_column"]
        with pytest.raises(AssertionError):
            await assert_service_schema(database_url, tables(schema), {"things", "others"})
    finally:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await engine.dispose()
