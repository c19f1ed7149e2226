"""The outbox relay under long faults: a row the broker refuses is parked without holding up the
rows behind it, an outage of the broker charges no row, and parked rows go back to the relay with
the ``dlq`` command. The retry schedule runs on a fast clock (``conftest.FAST``); nothing here
measures time."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import nats.errors
import pytest
from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql

from atelier.contracts import Envelope
from atelier.kit.broker import namespaced_stream
from atelier.kit.cli import dead_letters_command
from atelier.kit.relay import OutboxRelay
from atelier.kit.tables import OUTBOX_PARKED, OUTBOX_PENDING
from atelier.kit.testing.plugin import eventually, stream_messages


def sample(runtime, name: str, **labels: str) -> float | None:  # noqa: ANN001
    return runtime.metrics.registry.get_sample_value(name, labels)


def keys(kit, messages: list) -> list[str]:  # noqa: ANN001
    return [Envelope[kit.Tick].model_validate_json(m.data).data.key for m in messages]


@contextlib.asynccontextmanager
async def relaying(relay: OutboxRelay) -> AsyncIterator[OutboxRelay]:
    task = asyncio.create_task(relay.run())
    try:
        yield relay
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await relay.close()


class Broker:
    """Stands in for NATS: records what it publishes, in order, and can be away — down (the
    connection is not up) or up but not answering (every publication times out) — until the
    event loop's clock reaches ``back_at``."""

    def __init__(self, away: str | None = None, back_at: float = 0.0) -> None:
        self.away, self.back_at = away, back_at
        self.published: list[str] = []
        self.tried_while_away = 0

    def _is_away(self) -> bool:
        return self.away is not None and asyncio.get_running_loop().time() < self.back_at

    def connected(self) -> bool:
        return not (self._is_away() and self.away == "down")

    async def publish(self, subject: str, payload: bytes, headers: dict[str, str]) -> None:
        if self._is_away():
            self.tried_while_away += 1
            if self.away == "down":
                raise nats.errors.ConnectionReconnectingError()
            raise nats.errors.TimeoutError()
        self.published.append(headers["Nats-Msg-Id"])


@pytest.mark.parametrize("away", ["down", "not answering"])
async def test_an_outage_longer_than_a_rows_schedule_parks_nothing_and_keeps_the_order(
    kit, away: str
) -> None:
    runtime = kit.runtime(run_relay=False, **kit.fast_schedule())
    backoff = runtime.settings.outbox_backoff
    # were the outage counted against the rows, twice their whole schedule would park them all
    outage = 2 * sum(backoff.schedule())
    assert outage > kit.OUTAGE_S
    broker = Broker(away, back_at=asyncio.get_running_loop().time() + outage)
    relay = OutboxRelay(runtime.db, runtime.tables.outbox, broker.publish, backoff=backoff,
                        connected=broker.connected, metrics=runtime.metrics, poll_s=0.05)
    try:
        async with relaying(relay):
            sent = await kit.emit(runtime, "a", "b")
            sent += await kit.emit(runtime, "c")  # committed during the outage too

            async def all_published() -> bool:
                rows = await kit.outbox_rows()
                return all(row["published_at"] is not None for row in rows)

            await eventually(all_published, timeout=30)
    finally:
        await runtime.db.dispose()
    assert broker.published == [e.id for e in sent]
    rows = await kit.outbox_rows()
    assert all(row["published_at"] is not None for row in rows)
    assert [(row["attempts"], row["parked_at"]) for row in rows] == [(0, None)] * 3
    assert sample(runtime, "atelier_outbox_publish_failures_total", fault="broker") > 0
    assert sample(runtime, "atelier_outbox_publish_failures_total", fault="message") is None
    if away == "not answering":  # a down broker is not even tried
        assert broker.tried_while_away > 0


async def test_a_row_the_broker_refuses_is_parked_and_the_rows_behind_it_go_on(
    kit, client_bus, nats_url: str, namespace: str
) -> None:
    runtime = kit.runtime(run_relay=False, **kit.fast_schedule())
    backoff = runtime.settings.outbox_backoff
    relay = OutboxRelay(runtime.db, runtime.tables.outbox, client_bus.publish_raw,
                        backoff=backoff, connected=client_bus.connected, metrics=runtime.metrics)
    # larger than NATS takes: refused every time, whoever tries
    too_large = "x" * (client_bus.broker.connection.max_payload + 1)
    try:
        [poisoned] = await kit.emit(runtime, too_large)
        await kit.emit(runtime, "a1", "a2")
        assert await relay.relay_once() == 3
        await kit.emit(runtime, "a3")
        await relay.relay_once()
        [row, *_] = await kit.outbox_rows()
        assert row["message_id"] == poisoned.id
        assert row["parked_at"] is None and 1 <= row["attempts"] <= 2  # still being retried

        async def parked() -> bool:
            await relay.relay_once()
            return (await kit.outbox_rows())[0]["parked_at"] is not None

        await eventually(parked, timeout=30)
        await kit.emit(runtime, "a4")
        await relay.relay_once()
        await relay.relay_once()
    finally:
        await runtime.db.dispose()
    stream = namespaced_stream(namespace, "EVT_COMMERCE")
    assert keys(kit, await stream_messages(nats_url, stream)) == ["a1", "a2", "a3", "a4"]
    [row, *others] = await kit.outbox_rows()
    assert all(other["published_at"] is not None for other in others)
    assert row["published_at"] is None and row["attempts"] == backoff.attempts
    assert "MaxPayloadError" in row["last_error"]
    assert sample(runtime, "atelier_outbox_parked") == 1
    assert sample(runtime, "atelier_outbox_oldest_unpublished_age_seconds") == 0  # parked aside
    assert sample(runtime, "atelier_outbox_publish_failures_total",
                  fault="message") == backoff.attempts


async def test_parked_rows_are_listed_and_retried_with_the_dlq_command(kit, capsys) -> None:
    runtime = kit.runtime(run_relay=False, outbox_max_attempts=1)
    broker, refused = Broker(), {"on": True}

    async def refusing(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        if refused["on"] and headers["Nats-Msg-Id"] == poisoned.id:
            raise nats.errors.NoRespondersError()  # as when no stream captures the subject
        await broker.publish(subject, payload, headers)

    # polling once a minute: only the NOTIFY of the retry wakes it in time
    relay = OutboxRelay(runtime.db, runtime.tables.outbox, refusing,
                        backoff=runtime.settings.outbox_backoff, poll_s=60)
    try:
        async with relaying(relay):
            [poisoned, healthy] = await kit.emit(runtime, "poisoned", "healthy")

            async def parked() -> bool:
                rows = await kit.outbox_rows()
                return rows[0]["parked_at"] is not None and rows[1]["published_at"] is not None

            await eventually(parked)
            seq = (await kit.outbox_rows())[0]["seq"]
            capsys.readouterr()
            await dead_letters_command(runtime.settings, "list", None)
            listed = capsys.readouterr().out.splitlines()
            assert listed[-1] == "1 outbox row(s) parked"
            assert listed[-2].startswith(
                f"outbox {seq}\t{kit.TICKED.subject}\tparked after 1 attempt(s)\tNoResponders")
            assert "0 dead letter(s) in store" in listed

            refused["on"] = False  # the cause is fixed
            await dead_letters_command(runtime.settings, "retry-outbox", [seq])
            assert capsys.readouterr().out.splitlines()[-1] == (
                "1 outbox row(s) sent back to the relay")

            async def published() -> bool:
                return (await kit.outbox_rows())[0]["published_at"] is not None

            await eventually(published)
    finally:
        await runtime.db.dispose()
    assert broker.published == [healthy.id, poisoned.id]
    row = (await kit.outbox_rows())[0]
    assert (row["attempts"], row["parked_at"]) == (0, None)


async def test_the_relay_reads_only_its_small_partial_indexes(kit) -> None:
    runtime = kit.runtime(run_relay=False)
    relay = OutboxRelay(runtime.db, runtime.tables.outbox, Broker().publish,
                        backoff=runtime.settings.outbox_backoff, metrics=runtime.metrics)
    queries = [relay.due(), relay.gauges()]
    try:
        async with runtime.db.sessions() as session, session.begin():
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            plans = []
            for query in queries:
                sql = query.compile(dialect=postgresql.dialect(),
                                    compile_kwargs={"literal_binds": True})
                plan = await session.execute(text(f"EXPLAIN {sql}"))
                plans.append("\n".join(line for (line,) in plan))
    finally:
        await runtime.db.dispose()
    assert OUTBOX_PENDING in plans[0]
    assert OUTBOX_PENDING in plans[1] and OUTBOX_PARKED in plans[1]
    assert all("Seq Scan" not in plan for plan in plans)


async def test_a_commit_that_emits_wakes_the_relay_without_asking(kit) -> None:
    """The outbox's insert trigger notifies the relay when the transaction commits: a relay
    that polls once a minute publishes a new row at once, and the unit of work sends no NOTIFY
    of its own (one round trip less on every emitting transaction)."""
    runtime = kit.runtime(run_relay=False)
    broker = Broker()
    relay = OutboxRelay(runtime.db, runtime.tables.outbox, broker.publish,
                        backoff=runtime.settings.outbox_backoff, poll_s=60)
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(runtime.db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with relaying(relay):
            await asyncio.sleep(0.2)  # its first round has found nothing; it waits a minute
            statements.clear()
            [envelope] = await kit.emit(runtime, "woken")
            emitted = list(statements)
            await eventually(lambda: broker.published == [envelope.id])
    finally:
        event.remove(runtime.db.engine.sync_engine, "before_cursor_execute", record)
        await runtime.db.dispose()
    assert not any("pg_notify" in s for s in emitted), emitted
