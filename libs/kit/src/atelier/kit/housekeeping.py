"""Rows that have served their purpose are deleted, so that no table grows for ever.

Every service purges its published outbox rows and its inbox entries past their retention; a
service adds its own tables (the gateway's Idempotency-Keys). The inbox must remember a message
for longer than anybody may deliver it again: Stripe retries a webhook for three days, so the
inbox keeps 30 days by default and never less than 3. Rows go in small batches, each its own
transaction, so that a purge never holds long locks on a table the request path writes to. Every
replica runs it; two replicas purging at once delete each row once. Purges are by age, whatever
the brand: they run across brands (``Database.session(across_brands=True)``).
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Column, ColumnElement, CursorResult, Table, delete, select, tuple_

from atelier.kit.db import Database
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

    def add(self, purge: Purge) -> None:
        self.purges.append(purge)

    async def run(self) -> None:
        """Purge now, then every ``interval_s``; a failed round is logged and tried next time."""
        while True:
            try:
                await self.purge_all()
            except Exception as exc:  # Postgres away: the rows wait for the next round
                log.warning("housekeeping failed, trying again in %.0fs: %s", self.interval_s, exc)
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
