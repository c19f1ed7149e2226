"""What every service process is made of, built in one place and started/stopped together."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.kit.broker import Bus, create_broker
from atelier.kit.db import Database, service_database_url
from atelier.kit.delivery import Units
from atelier.kit.housekeeping import Housekeeping, Purge, Sweep
from atelier.kit.outbox import UnitOfWork
from atelier.kit.relay import OutboxRelay
from atelier.kit.settings import ServiceSettings
from atelier.kit.storage import ObjectStore
from atelier.kit.tables import kit_tables
from atelier.kit.telemetry import Metrics, tracer_provider

log = logging.getLogger(__name__)


def no_repository(session: AsyncSession) -> None:
    """The repository of a service that has none: its code uses ``uow.session``."""


class Runtime:
    """Settings, database, bus, outbox relay, housekeeping, metrics and (optionally) object
    storage.

    Its units of work give handlers ``repository(session)`` as ``uow.repository``; ``units``
    replaces them (tests pass ``atelier.kit.testing.fakes.FakeUnits``: the service then runs
    without Postgres, its entrypoints driven through ``bus.handle``)."""

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        store: ObjectStore | None = None,
        repository: Callable[[AsyncSession], Any] = no_repository,
        units: Units | None = None,
    ) -> None:
        self.settings = settings
        self.service = settings.service
        self.metrics = Metrics(settings.service)
        self.tracer_provider = tracer_provider(
            settings.service, settings.otlp_endpoint, settings.trace_sample_ratio
        )
        # as the service's role, which does not own its tables: row-level security holds
        self.db = Database(service_database_url(settings), settings.database_schema)
        self.broker = create_broker(settings, self.metrics, self.tracer_provider)
        self.tables = kit_tables(settings.database_schema)
        self.repository = repository
        self.units: Units = units or self._unit_of_work
        self.bus = Bus(self.broker, settings, self.metrics, self.tracer_provider, self.uow)
        self.store = store
        outbox, inbox, keys = self.tables.outbox, self.tables.inbox, self.tables.request_keys
        self.relay = OutboxRelay(
            self.db, outbox, self.bus.publish_raw, backoff=settings.outbox_backoff,
            connected=self.bus.connected, metrics=self.metrics, poll_s=settings.outbox_poll_s,
            tracer_provider=self.tracer_provider,
        )
        self.housekeeping = Housekeeping(self.db, self.metrics, settings.housekeeping_interval_s)
        hours = timedelta(hours=1)
        self.housekeeping.add(Purge(outbox, outbox.c.published_at,
                                    settings.outbox_retention_h * hours))
        self.housekeeping.add(Purge(inbox, inbox.c.received_at, settings.inbox_retention_h * hours))
        self.housekeeping.add(Purge(keys, keys.c.created_at,
                                    settings.request_key_retention_h * hours))
        self._orphan_grace = settings.orphan_grace_h * hours
        self._tasks: list[asyncio.Task] = []
        self._loops: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = []

    def add_loop(self, name: str, run: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``run()`` (a loop of the service's own: notification's sender, say) from
        start() until stop() cancels it."""
        self._loops.append((name, run))

    def sweep_orphans(self, prefix: str, key: ColumnElement[str]) -> None:
        """Have housekeeping delete the objects under ``prefix`` of this runtime's store that no
        ``key`` (a column of the service's rows, or an expression of one) names, once past
        ``orphan_grace_h``."""
        assert self.store is not None, "a service without a store has no objects to sweep"
        self.housekeeping.add_sweep(Sweep(self.store, prefix, key, self._orphan_grace))

    def uow(self, brand_id: str | None = None) -> UnitOfWork[Any]:
        """A unit of work on the rows of the brand in hand (``context.brand_id``), or of
        ``brand_id`` for work outside any message or request of that brand."""
        return self.units(brand_id)

    def _unit_of_work(self, brand_id: str | None = None) -> UnitOfWork[Any]:
        return UnitOfWork(self.db, self.service, self.tables, self.repository, brand_id)

    async def start(self) -> None:
        await self.bus.start()  # consumers and rpc subscriptions are live when this returns
        # what start-up built lives as long as the process: keep the collector from scanning it
        # again and again on the request path (the long pauses behind the p99)
        if self.settings.gc_freeze:
            gc.freeze()
            _, older, oldest = gc.get_threshold()
            gc.set_threshold(self.settings.gc_young_threshold, older, oldest)
        if self.settings.run_relay:
            self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.service}-relay"))
        if self.settings.run_housekeeping:
            self._tasks.append(asyncio.create_task(self.housekeeping.run(),
                                                   name=f"{self.service}-housekeeping"))
        for name, run in self._loops:
            self._tasks.append(asyncio.create_task(run(), name=f"{self.service}-{name}"))
        if self.bus.consumers:
            self._tasks.append(asyncio.create_task(self._watch_lag(),
                                                   name=f"{self.service}-consumer-lag"))

    async def _watch_lag(self) -> None:
        """The consumers' queue lag on /metrics, every ``consumer_lag_interval_s``."""
        while True:
            try:
                await self.bus.measure_lag()
            except Exception as exc:  # NATS away: the gauges keep their last values
                log.warning("could not measure consumer lag: %r", exc)
            await asyncio.sleep(self.settings.consumer_lag_interval_s)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.relay.close()
        await self.bus.stop()
        await self.db.dispose()

    async def readiness(self) -> dict[str, bool]:
        """Ready means the database and NATS answer."""
        return {"database": await self.db.ping(), "nats": await self.broker.ping(timeout=1.0)}
