"""A throwaway service for the kit's own tests: a schema of the test's own (the kit's tables from
the kit's history, and a counter standing in for a handler's state) and a runtime built on it.

It borrows the name of a catalogued service (commerce) so that its event and dead-letter streams
exist; the test's bus namespace keeps it apart from the real one.
"""

import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import asyncpg
import pytest
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import create_async_engine

from atelier.contracts import Envelope
from atelier.contracts.catalog import command, evt, rpc
from atelier.kit.broker import Handler
from atelier.kit.db import asyncpg_dsn
from atelier.kit.migrations import grant_service_role, upgrade_kit
from atelier.kit.outbox import UnitOfWork
from atelier.kit.runtime import Runtime
from atelier.kit.settings import ServiceSettings


class Tick(BaseModel):
    key: str


TICKED = evt("commerce", "kitprobe", "ticked", Tick)
PROBE = rpc("commerce", "kitprobe", Tick, Tick)
COUNT = command("commerce", "kitcount", Tick, Tick)


# long outages on a fast clock: the default retry schedule (its shape and number of attempts),
# every wait a thousand times shorter, against an outage of 15 minutes as long on that clock
FAST = 1 / 1000
OUTAGE_S = 15 * 60 * FAST


class KitSettings(ServiceSettings):
    service: ClassVar[str] = "commerce"
    kit_schema: str

    @property
    def database_schema(self) -> str:
        return self.kit_schema


@dataclass
class Kit:
    """The throwaway service: its tables, its runtime and what its tests need to look at."""

    schema: str
    database_url: str
    counter: Table
    settings_of: Callable[..., ServiceSettings]
    TICKED = TICKED
    PROBE = PROBE
    COUNT = COUNT
    Tick = Tick
    OUTAGE_S = OUTAGE_S

    @staticmethod
    def fast_schedule() -> dict[str, Any]:
        """Settings putting the default retry schedule on the fast clock (``FAST``)."""
        fields = ServiceSettings.model_fields
        return {
            "retry_base_delay_s": fields["retry_base_delay_s"].default * FAST,
            "retry_max_delay_s": fields["retry_max_delay_s"].default * FAST,
            "max_deliver": fields["max_deliver"].default,
            "outbox_max_attempts": fields["outbox_max_attempts"].default,
        }

    def runtime(self, **overrides: Any) -> Runtime:
        """Register consumers on it before starting it."""
        settings = self.settings_of(KitSettings, kit_schema=self.schema, **overrides)
        return Runtime(settings)

    def counting(self) -> Handler:
        """A handler adding one to ``counter[key]`` for every message it is given: it does not
        dedup (the kit's inbox must), nor commit (the kit's unit of work does)."""
        counter = self.counter

        async def handle(uow: UnitOfWork, envelope: Envelope[Tick]) -> None:
            await uow.session.execute(
                insert(counter)
                .values(key=envelope.data.key, n=1)
                .on_conflict_do_update(index_elements=["key"], set_={"n": counter.c.n + 1})
            )

        return handle

    @staticmethod
    async def emit(runtime: Runtime, *keys: str) -> list[Envelope]:
        """One committed unit of work emitting one ``Tick`` per key."""
        async with runtime.uow() as uow:
            envelopes = [uow.emit(TICKED, Tick(key=key), brand_id="brand-kit") for key in keys]
            await uow.commit()
        return envelopes

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(asyncpg_dsn(self.database_url))
        try:
            return await conn.fetch(query.replace("{schema}", self.schema), *args)
        finally:
            await conn.close()

    async def count(self, key: str) -> int:
        rows = await self.fetch("SELECT n FROM {schema}.counter WHERE key = $1", key)
        return rows[0]["n"] if rows else 0

    async def outbox_rows(self) -> list[asyncpg.Record]:
        return await self.fetch("SELECT * FROM {schema}.outbox ORDER BY seq")


@pytest.fixture
async def kit(
    database_url: str, settings_of: Callable[..., ServiceSettings]
) -> AsyncIterator[Kit]:
    schema = f"kit_test_{uuid.uuid4().hex[:12]}"
    await upgrade_kit(schema, database_url)
    metadata = MetaData(schema=schema)
    counter = Table(
        "counter",
        metadata,
        Column("key", String(64), primary_key=True),
        Column("n", Integer, nullable=False),
    )
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    # what setup does for a service: its role may use the tables (a counter without a brand)
    role = settings_of(KitSettings, kit_schema=schema).database_role
    assert role
    await grant_service_role(database_url, schema, role)
    try:
        yield Kit(schema, database_url, counter, settings_of)
    finally:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await engine.dispose()


@pytest.fixture
def root_logging_restored() -> Iterator[None]:
    """For tests that configure the process's logging: the next tests get theirs back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level
