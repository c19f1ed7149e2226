"""Alembic per service: its own tree (``services/<svc>/migrations``), its own schema and version
table. ``run_env`` is the whole body of every service's ``env.py``."""

import asyncio
import importlib
from collections.abc import Callable
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine


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


async def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    """Create the service's schema if needed and apply its migrations."""
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{service}"'))
    await engine.dispose()
    await asyncio.to_thread(command.upgrade, alembic_config(service, database_url), revision)


def run_env(metadata: MetaData) -> None:
    """Run migrations online against the service's schema, version table in that schema."""
    config = context.config
    schema = config.attributes.get("schema") or metadata.schema

    def migrate(connection) -> None:  # type: ignore[no-untyped-def]
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
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


def create_outbox_and_inbox(schema: str) -> None:
    """Inside a service's first migration: its outbox and inbox (see ``atelier.kit.outbox``)."""
    from alembic import op

    from atelier.kit.outbox import add_outbox_and_inbox

    for table in add_outbox_and_inbox(MetaData(schema=schema)):
        table.create(op.get_bind())  # with its indexes


def index_inbox_by_age(schema: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """Revision 0002 of every service: its inbox by age, for housekeeping. ``upgrade,
    downgrade = index_inbox_by_age(SCHEMA)``.

    A database first migrated after this index was declared already has it from 0001
    (``create_outbox_and_inbox`` creates the tables as the kit declares them now), hence
    IF NOT EXISTS."""
    from alembic import op

    from atelier.kit.outbox import INBOX_BY_AGE

    def upgrade() -> None:
        op.create_index(INBOX_BY_AGE, "inbox", ["received_at"], schema=schema, if_not_exists=True)

    def downgrade() -> None:
        op.drop_index(INBOX_BY_AGE, "inbox", schema=schema, if_exists=True)

    return upgrade, downgrade
