"""The outbox relay: publishes what units of work committed to their service's outbox, in
commit order, and keeps one row the broker refuses from holding up the rows behind it (DESIGN §4).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind
from sqlalchemy import Row, Select, Table, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.kit.db import Database, asyncpg_dsn
from atelier.kit.outbox import notify_channel
from atelier.kit.retry import Backoff
from atelier.kit.telemetry import Metrics

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes, dict[str, str]], Awaitable[Any]]


def _cancel_requested() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class BrokerUnavailable(Exception):
    """NATS is down or does not answer: the relay's round stopped, charging no row."""


class OutboxRelay:
    """Publishes committed outbox rows in order; woken by NOTIFY, polling as a fallback.

    One replica of a service relays at a time: the one holding the outbox's advisory lock,
    taken on the connection it listens on, so the lock goes when that replica or its connection
    does. The others stand by (no NOTIFY, no rounds: with every replica woken by each commit,
    all but one would run a round for nothing) and try the lock every ``poll_s``, reading the
    outbox's gauges as they do, so each replica's ``/metrics`` stays true. Without that
    connection a replica relays anyway, polling: rows are claimed with ``FOR UPDATE SKIP
    LOCKED``, so replicas relaying at once are safe, only unordered between them.

    Who is at fault decides what a failed publication costs. When the broker is down (its
    connection not up) or does not answer in time, no row is: the round stops where it is, no
    attempt is counted and the relay tries again a little later, so an outage of any length
    keeps the order and parks nothing. When the broker answered and refused the row (no stream
    captures its subject, a payload over the maximum size…), or the row could not even be sent,
    the row is: it waits for its next attempt on ``backoff`` while the rows behind it go on,
    and after its last attempt it is parked with the reason, for a person to look at
    (``dlq list``, ``dlq retry-outbox``).
    """

    def __init__(
        self,
        db: Database,
        outbox: Table,
        publish: Publish,
        *,
        backoff: Backoff,
        connected: Callable[[], bool] = lambda: True,
        metrics: Metrics | None = None,
        poll_s: float = 2.0,
        batch: int = 100,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.publish = publish
        self.backoff = backoff
        self.connected = connected
        self.metrics = metrics
        self.poll_s = poll_s
        self.batch = batch
        self.tracer = trace.get_tracer(__name__, tracer_provider=tracer_provider)
        self._wake = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self.leading = False

    @property
    def lock_name(self) -> str:
        """Names the advisory lock of this outbox (locks are per database: the schema says
        which service's)."""
        return f"atelier.relay:{self.db.schema}.{self.outbox.name}"

    async def run(self) -> None:
        delay = 0.1
        # Runtime.stop() cancels this task, but a library may swallow the cancel (on Python 3.11
        # asyncio.wait_for, used by nats-py and this loop, loses one that races a result): so a
        # cancelled relay stops at its next round instead of relaying forever
        while not _cancel_requested():
            if not await self._lead():
                await self._stand_by()
                continue
            # cleared before the round, not after: a NOTIFY during the round starts another
            self._wake.clear()
            try:
                taken = await self.relay_once()
                delay = 0.1
            except Exception as exc:  # NATS or Postgres down: keep the rows, try again later
                log.warning("outbox relay failed, retrying in %.1fs: %s", delay, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            if taken < self.batch:
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)
                except TimeoutError:
                    pass

    async def relay_once(self) -> int:
        """Publish up to one batch of the rows that are due; returns how many rows the round
        took (published or refused: fewer than a batch means it caught up). Raises
        ``BrokerUnavailable`` when NATS is down or did not answer."""
        o = self.outbox
        published: list[int] = []
        outage: Exception | None = None
        async with self.db.sessions() as session, session.begin():
            rows: Sequence[Row[Any]] = []
            if self.connected():
                rows = (await session.execute(self.due())).all()
            else:
                outage = ConnectionError("not connected to NATS")
            for row in rows:
                try:
                    await self._publish(row)
                except Exception as exc:
                    if isinstance(exc, TimeoutError) or not self.connected():
                        outage = exc  # no answer: nothing says this row is to blame
                        break
                    await self._refused(session, row, exc)
                    continue
                published.append(row.seq)
                if self.metrics:
                    self.metrics.outbox_published.inc()
                    lag = (datetime.now(UTC) - row.created_at).total_seconds()
                    self.metrics.outbox_lag.observe(max(lag, 0.0))
            if published:
                await session.execute(
                    update(o).where(o.c.seq.in_(published)).values(published_at=func.now())
                )
            await self._measure(session)
        if outage is not None:
            if self.metrics:
                self.metrics.outbox_publish_failures.labels("broker").inc()
            raise BrokerUnavailable(f"NATS unavailable: {outage!r}") from outage
        return len(rows)

    def due(self) -> Select:
        """The next batch of rows to publish: not parked, not waiting for a later attempt."""
        o = self.outbox
        return (
            select(o.c.seq, o.c.message_id, o.c.subject, o.c.payload, o.c.created_at,
                   o.c.trace_headers, o.c.attempts)
            # the first two are the predicate of its index (OUTBOX_PENDING)
            .where(o.c.published_at.is_(None), o.c.parked_at.is_(None),
                   or_(o.c.next_attempt_at.is_(None), o.c.next_attempt_at <= func.now()))
            .order_by(o.c.seq)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        )

    def gauges(self) -> Select:
        """The age of the oldest row still to publish (NULL: none) and the number parked, from
        the partial indexes (OUTBOX_PENDING, OUTBOX_PARKED)."""
        o = self.outbox
        oldest = (
            select(o.c.created_at).where(o.c.published_at.is_(None), o.c.parked_at.is_(None))
            .order_by(o.c.seq).limit(1).scalar_subquery()
        )
        parked = (
            select(func.count()).select_from(o).where(o.c.parked_at.is_not(None))
            .scalar_subquery()
        )
        return select(func.extract("epoch", func.now() - oldest), parked)

    async def _publish(self, row: Row[Any]) -> None:
        # publish inside the emitter's trace: the broker's telemetry puts this span's context in
        # the message headers, for the consumers to continue
        with self.tracer.start_as_current_span(
            f"{row.subject} relay", context=propagate.extract(row.trace_headers),
            kind=SpanKind.PRODUCER,
        ):
            await self.publish(row.subject, row.payload, {"Nats-Msg-Id": row.message_id})

    async def _refused(self, session: AsyncSession, row: Row[Any], error: Exception) -> None:
        """The broker refused ``row``: it waits for its next attempt, or is parked."""
        attempts, reason = row.attempts + 1, repr(error)[:1000]
        if attempts >= self.backoff.attempts:
            later: dict[str, Any] = {"parked_at": func.now()}
            log.error("outbox row %d (%s) parked after %d attempts: %s",
                      row.seq, row.subject, attempts, reason)
        else:
            delay = self.backoff.delay(attempts)
            later = {"next_attempt_at": func.clock_timestamp() + timedelta(seconds=delay)}
            log.warning("outbox row %d (%s) refused (attempt %d of %d), next in %.1fs: %s",
                        row.seq, row.subject, attempts, self.backoff.attempts, delay, reason)
        o = self.outbox
        await session.execute(
            update(o).where(o.c.seq == row.seq).values(attempts=attempts, last_error=reason,
                                                       **later)
        )
        if self.metrics:
            self.metrics.outbox_publish_failures.labels("message").inc()

    async def _measure(self, session: AsyncSession) -> None:
        if self.metrics is not None:
            age, parked = (await session.execute(self.gauges())).one()
            self.metrics.outbox_oldest_age.set(max(float(age or 0), 0.0))
            self.metrics.outbox_parked.set(parked)

    async def _lead(self) -> bool:
        """Whether this replica is to relay: it holds the lock (taking it when free, and
        listening from then on), or it has no connection to hold one on."""
        if self._listener is not None and self._listener.is_closed():
            self._listener, self.leading = None, False  # the lock went with the connection
        if self._listener is None:
            try:
                self._listener = await asyncpg.connect(asyncpg_dsn(self.db.url))
            except Exception as exc:  # polling still delivers; LISTEN only lowers latency
                log.warning("outbox LISTEN unavailable, relaying by polling: %s", exc)
                return True
        if self.leading:
            return True
        try:
            self.leading = await self._listener.fetchval(
                "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", self.lock_name)
            if self.leading:
                await self._listener.add_listener(
                    notify_channel(self.db.schema), lambda *_: self._wake.set())
                log.info("relaying %s (this replica holds its lock)", self.lock_name)
        except Exception as exc:
            log.warning("outbox lock unavailable, relaying by polling: %s", exc)
            await self.close()
            return True
        return self.leading

    async def _stand_by(self) -> None:
        """Another replica relays: read the gauges, then wait to try the lock again."""
        try:
            async with self.db.sessions() as session, session.begin():
                await self._measure(session)
        except Exception as exc:
            log.warning("outbox gauges unavailable: %s", exc)
        await asyncio.sleep(self.poll_s)

    async def close(self) -> None:
        """Closing the connection gives the lock up: a standby replica relays next."""
        listener, self._listener, self.leading = self._listener, None, False
        if listener is not None and not listener.is_closed():
            try:
                await listener.close()
            except Exception:  # a broken connection: dropped all the same
                listener.terminate()
