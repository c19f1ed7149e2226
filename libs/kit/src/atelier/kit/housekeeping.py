"""Rows that have served their purpose are deleted, so that no table grows for ever.

Every service purges its published outbox rows and its inbox entries past their retention; a
service adds its own tables (the gateway's Idempotency-Keys). The inbox must remember a message
for longer than anybody may deliver it again: Stripe retries a webhook for three days, so the
inbox keeps 30 days by default and never less than 3. Rows go in small batches, each its own
transaction, so that a purge never holds long locks on a table the request path writes to. Every
replica runs it; two replicas purging at once delete each row once. Purges are by age, whatever
the brand: they run across brands (``Database.session(across_brands=True)``).

A service that stores objects sweeps them too (``Sweep``): an object is stored before the row
that refers to it commits, so a crash in between leaves an object nobody refers to. Once older
than the grace period (``orphan_grace_h``, an hour by default: far longer than an upload or a
render takes from storing to committing, so none in flight is raced), an object under the
sweep's prefix that no row of any brand names is deleted.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Column, ColumnElement, CursorResult, Table, delete, select, tuple_

from atelier.kit.db import Database
from atelier.kit.storage import ObjectStore
from atelier.kit.telemetry import Metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Purge:
    """Rows of ``table`` whose ``stamp`` is older than ``retention`` (NULL stamps are kept)."""

    table: Table
    stamp: Column
    retention: timedelta

    @property
    def name(self) -> str:
        return self.table.name

    def older(self, now: datetime) -> ColumnElement[bool]:
        return self.stamp < now - self.retention


@dataclass(frozen=True)
class Sweep:
    """Objects of ``store`` under ``prefix`` that no row's ``key`` (a column, or an expression
    of one: ``'photos/' || sha256``) names, once older than ``grace``."""

    store: ObjectStore
    prefix: str
    key: ColumnElement[str]
    grace: timedelta


class Housekeeping:
    def __init__(
        self,
        db: Database,
        metrics: Metrics,
        interval_s: float,
        batch: int = 5_000,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.metrics = metrics
        self.interval_s = interval_s
        self.batch = batch
        self.clock = clock
        self.purges: list[Purge] = []
        self.sweeps: list[Sweep] = []

    def add(self, purge: Purge) -> None:
        self.purges.append(purge)

    def add_sweep(self, sweep: Sweep) -> None:
        self.sweeps.append(sweep)

    async def run(self) -> None:
        """Purge and sweep now, then every ``interval_s``; a failed round is logged and tried
        next time."""
        while True:
            for chore in (self.purge_all, self.sweep_all):
                try:
                    await chore()
                except Exception as exc:  # Postgres or the store away: wait for the next round
                    log.warning("housekeeping failed, trying again in %.0fs: %s",
                                self.interval_s, exc)
            await asyncio.sleep(self.interval_s)

    async def purge_all(self) -> dict[str, int]:
        """Every purge, once; the rows deleted by table."""
        now = self.clock()
        return {purge.name: await self.purge(purge, now) for purge in self.purges}

    async def purge(self, purge: Purge, now: datetime) -> int:
        key = tuple_(*purge.table.primary_key.columns)
        deleted = 0
        while True:
            expired = select(*purge.table.primary_key.columns).where(purge.older(now))
            # by age, whatever the brand: a tenant table's rows are purged across brands
            async with self.db.session(across_brands=True) as session, session.begin():
                result = cast(CursorResult, await session.execute(
                    delete(purge.table).where(key.in_(expired.limit(self.batch)))
                ))
            deleted += result.rowcount
            self.metrics.rows_purged.labels(purge.name).inc(result.rowcount)
            if result.rowcount < self.batch:
                return deleted

    async def sweep_all(self) -> dict[str, int]:
        """Every sweep, once; the objects deleted by prefix."""
        now = self.clock()
        return {sweep.prefix: await self.sweep(sweep, now) for sweep in self.sweeps}

    async def sweep(self, sweep: Sweep, now: datetime) -> int:
        stale = [o.key for o in await sweep.store.list_objects(sweep.prefix)
                 if o.modified < now - sweep.grace]
        deleted = 0
        for start in range(0, len(stale), self.batch):
            keys = stale[start:start + self.batch]
            # whichever brand's row names it, it is no orphan
            async with self.db.session(across_brands=True) as session:
                named = set((await session.scalars(
                    select(sweep.key).where(sweep.key.in_(keys)))).all())
            for key in keys:
                if key not in named:
                    await sweep.store.delete(key)
                    deleted += 1
                    self.metrics.objects_purged.labels(sweep.prefix).inc()
        return deleted
