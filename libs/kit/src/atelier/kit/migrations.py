"""Alembic per service: its own tree (``services/<svc>/migrations``), its own schema and version
table. ``run_env`` is the whole body of every service's ``env.py``.

The kit's tables (outbox, inbox, request keys: ``atelier.kit.tables``) have a history of their
own (``atelier/kit/history``, version table ``kit_alembic_version``), applied in the service's
schema before the service's own migrations."""

import asyncio
import importlib
from collections.abc import Callable
from pathlib import Path

import asyncpg
from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine

from atelier.kit.db import ALL_BRANDS_SETTING, BRAND_SETTING, asyncpg_dsn
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


async def upgrade(
    service: str, database_url: str, revision: str = "head", *,
    role: str | None = None, role_password: str | None = None,
) -> None:
    """Create the service's schema if needed, bring the kit's tables to the head of the kit's
    history, then apply the service's own migrations, as the owner (``database_url``); then let
    ``role``, the service's own, use what they made."""
    await upgrade_kit(service, database_url)
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
            for version_table in ("alembic_version", KIT_VERSION_TABLE):
                if await conn.fetchval("SELECT to_regclass($1)", f"{s}.{version_table}"):
                    await conn.execute(f"REVOKE ALL ON {s}.{version_table} FROM {r}")
    finally:
        await conn.close()


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

    def migrate(connection: Connection) -> None:
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
        engine = create_async_engine(str(config.get_main_option("sqlalchemy.url")))
        async with engine.connect() as conn:
            await conn.run_sync(migrate)
            await conn.commit()
        await engine.dispose()

    asyncio.run(run())


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
