"""Transactional outbox and inbox.

A handler's domain rows and the messages it emits are written in one transaction (``UnitOfWork``);
the ``OutboxRelay`` publishes them afterwards with ``Nats-Msg-Id`` = envelope id, so a crash
between commit and publish loses nothing and a re-publish is deduplicated. A consumer records the
id of each message it handled in its inbox in the same transaction as its writes, so a redelivery
changes state once. There is no publish-after-commit anywhere.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Generic, Self, TypeVar

import asyncpg
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind
from pydantic import BaseModel
from sqlalchemy import (
    Table,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.contracts import Envelope
from atelier.contracts.catalog import Message
from atelier.kit.db import Database, asyncpg_dsn
from atelier.kit.tables import KitTables
from atelier.kit.telemetry import Metrics

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes, dict[str, str]], Awaitable[Any]]
R = TypeVar("R")


def notify_channel(schema: str) -> str:
    return f"atelier_outbox_{schema}"


class UnitOfWork(Generic[R]):
    """One transaction: domain rows, inbox mark and outbox rows commit together or not at all.

    ``repository`` is the service's statements over this transaction's session, built by
    ``repository_of(session)``: handlers write through it, never through SQL of their own, so
    that tests can give them a fake (``atelier.kit.testing.fakes``)."""

    def __init__(
        self, db: Database, producer: str, tables: KitTables,
        repository_of: Callable[[AsyncSession], R],
    ) -> None:
        self.db = db
        self.producer = producer
        self.outbox = tables.outbox
        self.inbox = tables.inbox
        self.request_keys = tables.request_keys
        self.repository_of = repository_of
        self.session: AsyncSession
        self.repository: R
        self._pending: list[tuple[str, Envelope, dict[str, str]]] = []
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> Self:
        self.session = self.db.sessions()
        self.repository = self.repository_of(self.session)
        self._pending = []
        self._after_commit = []
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.rollback()
        await self.session.close()

    def emit(
        self,
        message: Message,
        data: BaseModel,
        *,
        brand_id: str | None,
        cause: Envelope | None = None,
    ) -> Envelope:
        """Queue a message to publish once this unit of work commits."""
        envelope = Envelope[type(data)](  # type: ignore[misc]
            type=message.type,
            version=message.version,
            producer=self.producer,
            brand_id=brand_id,
            data=data,
            **(
                {"correlation_id": cause.correlation_id, "causation_id": cause.id}
                if cause is not None
                else {}
            ),
        )
        trace_headers: dict[str, str] = {}
        propagate.inject(trace_headers)
        self._pending.append((message.subject, envelope, trace_headers))
        return envelope

    def after_commit(self, effect: Callable[[], None]) -> None:
        """Run ``effect`` once the transaction has committed (and never if it does not): what
        the process remembers of the writes, a cache say, follows the database."""
        self._after_commit.append(effect)

    async def first_time(self, consumer: str, message_id: str) -> bool:
        """Mark a message handled by ``consumer``; False when it was handled before."""
        stmt = (
            pg_insert(self.inbox)
            .values(consumer=consumer, message_id=message_id)
            .on_conflict_do_nothing()
            .returning(self.inbox.c.message_id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def claim_request(self, method: str, brand_id: str, request_key: str) -> bytes | None:
        """Take ``request_key`` for this request: None when it is new (the caller does the work
        and records its reply before committing), else the reply recorded by the first request
        with that key. A twin still in flight holds the key's row: this waits for its commit
        (or its rollback, which leaves the key new)."""
        keys = self.request_keys
        claimed = (await self.session.execute(
            pg_insert(keys)
            .values(method=method, brand_id=brand_id, request_key=request_key)
            .on_conflict_do_nothing()
            .returning(keys.c.request_key)
        )).first()
        if claimed is not None:
            return None
        reply = (await self.session.execute(
            select(keys.c.reply).where(keys.c.method == method, keys.c.brand_id == brand_id,
                                       keys.c.request_key == request_key)
        )).scalar_one()
        assert reply is not None  # recorded in the transaction that claimed the key
        return bytes(reply)

    async def record_reply(
        self, method: str, brand_id: str, request_key: str, reply: bytes
    ) -> None:
        """The answer to a claimed request key, kept for its retries."""
        keys = self.request_keys
        await self.session.execute(
            update(keys)
            .where(keys.c.method == method, keys.c.brand_id == brand_id,
                   keys.c.request_key == request_key)
            .values(reply=reply)
        )

    async def commit(self) -> None:
        if self._pending:
            await self.session.execute(
                insert(self.outbox),
                [
                    {
                        "message_id": env.id,
                        "subject": subject,
                        "payload": env.model_dump_json().encode(),
                        "trace_headers": trace_headers,
                    }
                    for subject, env, trace_headers in self._pending
                ],
            )
            await self.session.execute(
                text("SELECT pg_notify(:channel, '')"), {"channel": notify_channel(self.db.schema)}
            )
        await self.session.commit()
        self._pending = []
        effects, self._after_commit = self._after_commit, []
        for effect in effects:
            effect()


def _cancel_requested() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class OutboxRelay:
    """Publishes committed outbox rows in order; woken by NOTIFY, polling as a fallback.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` so several replicas can relay at once. When
    NATS is unreachable the rows stay unpublished and are retried with a growing delay.
    """

    def __init__(
        self,
        db: Database,
        outbox: Table,
        publish: Publish,
        metrics: Metrics | None = None,
        poll_s: float = 2.0,
        batch: int = 100,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.publish = publish
        self.metrics = metrics
        self.poll_s = poll_s
        self.batch = batch
        self.tracer = trace.get_tracer(__name__, tracer_provider=tracer_provider)
        self._wake = asyncio.Event()
        self._listener: asyncpg.Connection | None = None

    async def run(self) -> None:
        delay = 0.1
        # Runtime.stop() cancels this task, but a library may swallow the cancel (on Python 3.11
        # asyncio.wait_for, used by nats-py and this loop, loses one that races a result): so a
        # cancelled relay stops at its next round instead of relaying forever
        while not _cancel_requested():
            await self._ensure_listener()
            try:
                sent = await self.relay_once()
                delay = 0.1
            except Exception as exc:  # NATS or Postgres down: keep the rows, try again later
                log.warning("outbox relay failed, retrying in %.1fs: %s", delay, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            if sent < self.batch:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)
                except TimeoutError:
                    pass

    async def relay_once(self) -> int:
        """Publish up to one batch of pending rows; returns how many were published."""
        o = self.outbox
        async with self.db.sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(o.c.seq, o.c.message_id, o.c.subject, o.c.payload, o.c.created_at,
                           o.c.trace_headers)
                    .where(o.c.published_at.is_(None))
                    .order_by(o.c.seq)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            done: list[int] = []
            error: Exception | None = None
            for row in rows:
                try:
                    # publish inside the emitter's trace: the broker's telemetry puts this
                    # span's context in the message headers, for the consumers to continue
                    with self.tracer.start_as_current_span(
                        f"{row.subject} relay", context=propagate.extract(row.trace_headers),
                        kind=SpanKind.PRODUCER,
                    ):
                        await self.publish(
                            row.subject, row.payload, {"Nats-Msg-Id": row.message_id}
                        )
                except Exception as exc:
                    error = exc
                    break
                done.append(row.seq)
                if self.metrics:
                    self.metrics.outbox_published.inc()
                    lag = (datetime.now(UTC) - row.created_at).total_seconds()
                    self.metrics.outbox_lag.observe(max(lag, 0.0))
            if done:
                await session.execute(
                    update(o).where(o.c.seq.in_(done)).values(published_at=func.now())
                )
            if error is not None:
                failed = rows[len(done)].seq
                await session.execute(
                    update(o)
                    .where(o.c.seq == failed)
                    .values(attempts=o.c.attempts + 1, last_error=str(error)[:1000])
                )
        if error is not None:
            raise error
        return len(done)

    async def _ensure_listener(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        try:
            self._listener = await asyncpg.connect(asyncpg_dsn(self.db.url))
            await self._listener.add_listener(
                notify_channel(self.db.schema), lambda *_: self._wake.set()
            )
        except Exception as exc:  # polling still delivers; LISTEN only lowers latency
            log.warning("outbox LISTEN unavailable, polling: %s", exc)
            self._listener = None

    async def close(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            await self._listener.close()
