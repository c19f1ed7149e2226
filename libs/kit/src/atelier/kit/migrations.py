"""Alembic per service: its own tree (``services/<svc>/migrations``), its own schema and version
table. ``run_env`` is the whole body of every service's ``env.py``.

The kit's tables (outbox, inbox, request keys: ``atelier.kit.tables``) have a history of their
own (``atelier/kit/history``, version table ``kit_alembic_version``), applied in the service's
schema before the service's own migrations."""

import asyncio
import importlib
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine

from atelier.kit.tables import kit_tables

KIT_VERSION_TABLE = "kit_alembic_version"
KIT_HISTORY = Path(__file__).resolve().parent / "history"
# every table of the kit's in a service's schema, both version tables included
KIT_TABLE_NAMES = frozenset(
    {table.name for table in kit_tables("kit").metadata.sorted_tables}
    | {KIT_VERSION_TABLE, "alembic_version"}
)


def migrations_dir(service: str) -> Path:
    package = importlib.import_module(f"atelier.{service}")
    # services/<svc>/src/atelier/<svc>/__init__.py -> services/<svc>/migrations
    return Path(package.__file__).resolve().parents[3] / "migrations"  # type: ignore[arg-type]


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir(service)))
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["schema"] = service
    return config


def kit_alembic_config(schema: str, database_url: str) -> Config:
    """The kit's history, applied in ``schema``."""
    config = Config()
    config.set_main_option("script_location", str(KIT_HISTORY))
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["schema"] = schema
    return config


async def create_schema(schema: str, database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    await engine.dispose()


async def upgrade_kit(schema: str, database_url: str, revision: str = "head") -> None:
    """The kit's tables in ``schema``, at ``revision`` of the kit's history."""
    await create_schema(schema, database_url)
    await asyncio.to_thread(command.upgrade, kit_alembic_config(schema, database_url), revision)


async def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    """Create the service's schema if needed, bring the kit's tables to the head of the kit's
    history, then apply the service's own migrations."""
    await upgrade_kit(service, database_url)
    await asyncio.to_thread(command.upgrade, alembic_config(service, database_url), revision)


def kit_schema() -> str:
    """Inside a revision of the kit's history: the schema it is applied in."""
    return str(context.config.attributes["schema"])


def run_env(metadata: MetaData, version_table: str = "alembic_version") -> None:
    """Run migrations online against the service's schema, version table in that schema.

    The kit's history and the service's share the schema: each compares (for autogenerate) only
    its own tables, so neither ever proposes to drop the other's."""
    config = context.config
    schema = config.attributes.get("schema") or metadata.schema
    own = {table.name for table in metadata.sorted_tables}
    kit_history = version_table == KIT_VERSION_TABLE

    def include_name(name: str | None, kind: str, _: object) -> bool:
        if kind == "schema":
            return name == schema
        if kind != "table":
            return True
        return name in own or (not kit_history and name not in KIT_TABLE_NAMES)

    def migrate(connection) -> None:  # type: ignore[no-untyped-def]
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            version_table_schema=schema,
            include_schemas=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(config.get_main_option("sqlalchemy.url"))
        async with engine.connect() as conn:
            await conn.run_sync(migrate)
            await conn.commit()
        await engine.dispose()

    asyncio.run(run())
