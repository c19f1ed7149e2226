"""Alembic per service: its own tree (``services/<svc>/migrations``), its own schema and version
table. ``run_env`` is the whole body of every service's ``env.py``."""

import asyncio
import importlib
from collections.abc import Callable
from pathlib import Path

import asyncpg
from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine

from atelier.kit.db import ALL_BRANDS_SETTING, BRAND_SETTING, asyncpg_dsn


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


async def upgrade(
    service: str, database_url: str, revision: str = "head", *,
    role: str | None = None, role_password: str | None = None,
) -> None:
    """Create the service's schema if needed and apply its migrations, as the owner
    (``database_url``); then let ``role``, the service's own, use what they made."""
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{service}"'))
    await engine.dispose()
    await asyncio.to_thread(command.upgrade, alembic_config(service, database_url), revision)
    if role:
        await grant_service_role(database_url, service, role, role_password)


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


async def grant_service_role(
    database_url: str, schema: str, role: str, password: str | None = None
) -> None:
    """The role a service runs as: created when missing (LOGIN, neither superuser nor BYPASSRLS,
    with ``password`` if given; an existing role is left as it is), and granted the rows of
    every table in ``schema`` and the sequences, but not their ownership, so that the tables'
    row-level security applies to it. Granted again after every upgrade, so that the tables of
    later migrations are granted too. Roles belong to the whole cluster: concurrent setups (test
    runs sharing it, say) may race to create one, and all succeed."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role) is None:
            create = await conn.fetchval(  # quoted by Postgres: a password may hold anything
                "SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB "
                "NOCREATEROLE PASSWORD %L', $1::text, $2::text)", role, password,
            )
            try:
                await conn.execute(create)
            except (asyncpg.DuplicateObjectError, asyncpg.UniqueViolationError):
                pass  # a concurrent setup created it first
        s, r = _quoted(schema), _quoted(role)
        async with conn.transaction():
            # two setups granting at once would trip on each other's catalog rows
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"grant on {s}")
            await conn.execute(f"GRANT USAGE ON SCHEMA {s} TO {r}")
            await conn.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}"
            )
            await conn.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}")
            # which migrations ran is the owner's business
            if await conn.fetchval("SELECT to_regclass($1)", f"{s}.alembic_version"):
                await conn.execute(f"REVOKE ALL ON {s}.alembic_version FROM {r}")
    finally:
        await conn.close()


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


def brand_isolation(
    schema: str, *tables: str, **brand_columns: str
) -> tuple[Callable[[], None], Callable[[], None]]:
    """A revision's row-level security on the tenant tables of a service: ``upgrade, downgrade =
    brand_isolation(SCHEMA, "orders", "payments", brands="id")`` (positional tables keep their
    brand in ``brand_id``; a keyword names another column).

    A transaction sees and writes only the rows of the brand it is set to (``atelier.brand_id``,
    which ``atelier.kit.db`` sets from the work in hand); with no brand set it sees none. One
    explicit opt-in, ``atelier.all_brands = 'on'`` (``Database.session(across_brands=True)``),
    reads and deletes the rows of every brand, and writes only rows that have no brand (an
    ingress webhook whose brand is not known yet belongs to no tenant: only that path sees it).
    The table's owner, who runs the migrations, is not bound; the service's role is (see
    ``grant_service_role``)."""
    from alembic import op

    columns = {**dict.fromkeys(tables, "brand_id"), **brand_columns}
    this_brand = f"current_setting('{BRAND_SETTING}', true)"
    all_brands = f"current_setting('{ALL_BRANDS_SETTING}', true) = 'on'"

    def upgrade() -> None:
        for table, column in columns.items():
            name = f"{_quoted(schema)}.{_quoted(table)}"
            brand = _quoted(column)
            op.execute(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY brand_isolation ON {name} "
                f"USING ({brand} = {this_brand} OR {all_brands}) "
                f"WITH CHECK ({brand} = {this_brand} OR ({brand} IS NULL AND {all_brands}))"
            )

    def downgrade() -> None:
        for table in columns:
            name = f"{_quoted(schema)}.{_quoted(table)}"
            op.execute(f"DROP POLICY IF EXISTS brand_isolation ON {name}")
            op.execute(f"ALTER TABLE {name} DISABLE ROW LEVEL SECURITY")

    return upgrade, downgrade
