"""Row-level security as the kit sets it up (DESIGN §8): every transaction of a service's
sessions is set to the brand in hand, once, and only for that transaction; one explicit opt-in
reads across brands; setup's role owns nothing and bypasses nothing; housekeeping purges a
tenant table across brands."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Column, DateTime, MetaData, String, Table, event, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from atelier.kit import context
from atelier.kit.db import Database, service_database_url
from atelier.kit.housekeeping import Purge
from atelier.kit.migrations import brand_isolation, grant_service_role
from atelier.kit.runtime import Runtime

A, B = "brand-a", "brand-b"


@pytest.fixture
async def notes(kit) -> AsyncIterator[Table]:
    """A tenant table of the throwaway service, walled off as a service's revision does it,
    with a note of brand a and one of brand b."""
    table = Table("notes", MetaData(schema=kit.schema), Column("id", String(64), primary_key=True),
                  Column("brand_id", String(64), nullable=False),
                  Column("written_at", DateTime(timezone=True), nullable=False))
    upgrade, _ = brand_isolation(kit.schema, "notes")

    def migrate(connection) -> None:  # noqa: ANN001
        table.create(connection)
        with Operations.context(MigrationContext.configure(connection)):
            upgrade()

    engine = create_async_engine(kit.database_url)  # as the owner, as migrations run
    async with engine.begin() as conn:
        await conn.run_sync(migrate)
        await conn.execute(table.insert(), [
            {"id": f"note-{brand}", "brand_id": brand, "written_at": datetime.now(UTC)}
            for brand in (A, B)
        ])
    await engine.dispose()
    role = kit.runtime().settings.database_role
    await grant_service_role(kit.database_url, kit.schema, role)
    yield table


async def brands_seen(session, notes: Table) -> list[str]:  # noqa: ANN001
    """A query that forgets its brand filter."""
    return sorted((await session.execute(select(notes.c.brand_id))).scalars())


@pytest.fixture
async def runtime(kit) -> AsyncIterator[Runtime]:
    runtime = kit.runtime()
    try:
        yield runtime
    finally:
        await runtime.db.dispose()


async def test_a_unit_of_work_sees_the_rows_of_the_brand_in_hand_only(
    runtime: Runtime, notes: Table
) -> None:
    assert runtime.settings.database_role == "atelier_commerce"  # not the owner
    async with runtime.uow() as uow:
        assert await brands_seen(uow.session, notes) == []  # no brand in hand: nothing
    token = context.brand_id.set(A)
    try:
        async with runtime.uow() as uow:
            assert await brands_seen(uow.session, notes) == [A]
            await uow.commit()
            assert await brands_seen(uow.session, notes) == [A]  # and in its next transaction
        async with runtime.uow(B) as uow:  # work of another brand, named explicitly
            assert await brands_seen(uow.session, notes) == [B]
    finally:
        context.brand_id.reset(token)


async def test_a_transactions_brand_never_reaches_the_next_one_on_its_connection(
    kit, notes: Table
) -> None:
    db = Database(service_database_url(kit.runtime().settings), kit.schema, pool_size=1)
    backend = text("SELECT pg_backend_pid()")
    try:
        async with db.session(brand_id=A) as session:
            pid = (await session.execute(backend)).scalar()
            assert await brands_seen(session, notes) == [A]
        async with db.session() as session:
            assert (await session.execute(backend)).scalar() == pid  # the same connection
            assert await brands_seen(session, notes) == []
    finally:
        await db.dispose()


async def test_one_statement_sets_a_transactions_brand_and_none_without_a_transaction(
    runtime: Runtime, notes: Table
) -> None:
    statements: list[str] = []
    event.listen(runtime.db.engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: statements.append(statement))
    async with runtime.uow(A) as uow:  # a unit of work that never touches the database
        await uow.commit()
    assert statements == []
    async with runtime.uow(A) as uow:
        await brands_seen(uow.session, notes)
        await brands_seen(uow.session, notes)
    assert len(statements) == 3 and "set_config" in statements[0]


async def test_only_an_explicit_opt_in_reads_across_brands_and_it_writes_no_brands_rows(
    runtime: Runtime, notes: Table
) -> None:
    async with runtime.db.session(across_brands=True) as session:
        assert await brands_seen(session, notes) == [A, B]
        with pytest.raises(DBAPIError, match="row-level security"):
            await session.execute(notes.insert().values(id="n", brand_id=A,
                                                        written_at=datetime.now(UTC)))
    async with runtime.db.session(brand_id=A) as session:  # a brand's write: its own rows only
        with pytest.raises(DBAPIError, match="row-level security"):
            await session.execute(notes.insert().values(id="n", brand_id=B,
                                                        written_at=datetime.now(UTC)))


async def test_housekeeping_purges_a_tenant_table_across_brands(
    runtime: Runtime, notes: Table, kit
) -> None:
    runtime.housekeeping.add(Purge(notes, notes.c.written_at, timedelta(hours=1)))
    await kit.fetch("UPDATE {schema}.notes SET written_at = now() - interval '2 hours'")
    assert (await runtime.housekeeping.purge_all())["notes"] == 2  # both brands' old notes
    assert await kit.fetch("SELECT * FROM {schema}.notes") == []


async def test_setup_makes_a_login_role_that_owns_nothing_and_bypasses_nothing(
    kit, notes: Table
) -> None:
    role = f"atelier_probe_{uuid.uuid4().hex[:8]}"
    await kit.fetch("CREATE TABLE {schema}.alembic_version (version_num varchar(32))")
    try:
        # two setups at once (test runs share the cluster): both succeed, one role
        await asyncio.gather(*(grant_service_role(kit.database_url, kit.schema, role, "s3cret")
                               for _ in range(2)))
        [made] = await kit.fetch(
            "SELECT rolcanlogin, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, "
            "rolpassword IS NOT NULL AS has_password FROM pg_authid WHERE rolname = $1", role)
        assert dict(made) == {"rolcanlogin": True, "rolsuper": False, "rolbypassrls": False,
                              "rolcreaterole": False, "rolcreatedb": False, "has_password": True}
        [rights] = await kit.fetch(
            "SELECT has_table_privilege($1, '{schema}.notes', 'SELECT, INSERT, UPDATE, DELETE') "
            "AS rows, has_table_privilege($1, '{schema}.alembic_version', 'SELECT') AS versions, "
            "has_schema_privilege($1, '{schema}', 'CREATE') AS create_tables, "
            "pg_has_role($1, (SELECT tableowner FROM pg_tables WHERE schemaname = '{schema}' "
            "AND tablename = 'notes'), 'MEMBER') AS owner", role)
        assert dict(rights) == {"rows": True, "versions": False, "create_tables": False,
                                "owner": False}
    finally:
        await kit.fetch(f'DROP OWNED BY "{role}"')
        await kit.fetch(f'DROP ROLE "{role}"')
