"""The transactional outbox and its relay, on real Postgres and NATS."""

import asyncio
import contextlib
import json

import nats

from atelier.contracts import Envelope
from atelier.contracts.catalog import STREAMS
from atelier.kit.broker import declare_streams, namespaced_stream
from atelier.kit.relay import OutboxRelay
from atelier.kit.testing.plugin import eventually, running, stream_messages


def sample(runtime, name: str, **labels: str) -> float | None:  # noqa: ANN001
    return runtime.metrics.registry.get_sample_value(name, labels)


async def test_an_event_committed_while_nats_is_down_is_delivered_once_it_is_back(
    kit, nats_server, namespace
) -> None:
    nc = await nats.connect(nats_server.url)
    await declare_streams(nc.jetstream(), STREAMS, namespace)
    await nc.close()
    # one attempt per row: were the outage counted against the rows, they would all be parked
    runtime = kit.runtime(nats_url=nats_server.url, outbox_max_attempts=1)
    runtime.bus.consume(kit.TICKED, "count", kit.counting())
    stream = namespaced_stream(namespace, "EVT_COMMERCE")
    async with running(runtime):
        # FastStream hands this on to nats-py: negative means "never give up reconnecting"
        assert runtime.broker.connection.options["max_reconnect_attempts"] == -1
        nats_server.stop()
        sent = await kit.emit(runtime, "outage")
        sent += await kit.emit(runtime, "outage-2")

        async def outage_outlasted_the_attempts() -> bool:
            failed = sample(runtime, "atelier_outbox_publish_failures_total", fault="broker")
            return (failed or 0) > 2

        await eventually(outage_outlasted_the_attempts, timeout=30)
        assert sample(runtime, "atelier_outbox_oldest_unpublished_age_seconds") > 0
        rows = await kit.outbox_rows()
        assert [(row["attempts"], row["parked_at"], row["published_at"]) for row in rows] == [
            (0, None, None)] * 2  # nobody's fault: no row charged
        nats_server.start()

        async def published() -> bool:
            return all(row["published_at"] is not None for row in await kit.outbox_rows())

        await eventually(published, timeout=30)
        await eventually(lambda: kit.count("outage-2"), timeout=30)  # the consumer came back too
        assert not runtime.broker.connection.is_closed
    messages = await stream_messages(nats_server.url, stream)
    assert [m.headers["Nats-Msg-Id"] for m in messages] == [e.id for e in sent]  # in order
    assert (await kit.count("outage"), await kit.count("outage-2")) == (1, 1)
    assert sample(runtime, "atelier_outbox_parked") == 0
    assert sample(runtime, "atelier_outbox_oldest_unpublished_age_seconds") == 0


async def test_the_relay_publishes_in_commit_order(kit, nats_url, namespace) -> None:
    runtime = kit.runtime()
    keys = [f"k{i}" for i in range(12)]
    async with running(runtime):
        sent = await kit.emit(runtime, *keys[:5])
        sent += await kit.emit(runtime, *keys[5:])
        stream = namespaced_stream(namespace, "EVT_COMMERCE")

        async def all_published() -> list:
            messages = await stream_messages(nats_url, stream)
            return messages if len(messages) >= len(keys) else []

        messages = await eventually(all_published)
    assert [m.headers["Nats-Msg-Id"] for m in messages] == [e.id for e in sent]
    assert [Envelope[kit.Tick].model_validate_json(m.data).data.key for m in messages] == keys
    assert all(row["published_at"] is not None for row in await kit.outbox_rows())


async def test_concurrent_relays_skip_each_others_rows_and_publish_each_row_once(kit) -> None:
    runtime = kit.runtime(run_relay=False)
    await kit.emit(runtime, *(f"k{i}" for i in range(6)))
    published: list[str] = []
    first_holds_its_rows = asyncio.Event()
    release_first = asyncio.Event()

    async def slow_publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        published.append(headers["Nats-Msg-Id"])
        first_holds_its_rows.set()
        await release_first.wait()

    async def quick_publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        published.append(headers["Nats-Msg-Id"])

    backoff = runtime.settings.outbox_backoff
    first = OutboxRelay(runtime.db, runtime.tables.outbox, slow_publish, backoff=backoff, batch=3)
    second = OutboxRelay(runtime.db, runtime.tables.outbox, quick_publish, backoff=backoff,
                         batch=3)
    try:
        first_run = asyncio.create_task(first.relay_once())
        await first_holds_its_rows.wait()
        # with a plain FOR UPDATE this would wait for the first relay's transaction forever
        assert await asyncio.wait_for(second.relay_once(), timeout=10) == 3
        release_first.set()
        assert await first_run == 3
    finally:
        release_first.set()
        await runtime.db.dispose()
    ids = [row["message_id"] for row in await kit.outbox_rows()]
    assert sorted(published) == sorted(ids) and len(published) == 6
    assert published[1:4] == ids[3:]  # the second relay took the rows the first did not hold


async def test_one_replica_relays_at_a_time_and_another_takes_over_when_it_goes(kit) -> None:
    """Every replica of a service runs a relay: one holds the outbox's lock and relays, the
    others stand by (their publish is never called, no round for each commit); when the
    relaying replica goes (its connection closed, as when its process ends), a standby takes
    the lock within its poll and relays what is left."""
    runtime = kit.runtime(run_relay=False)
    published: dict[str, list[str]] = {"a": [], "b": []}

    def publisher(name: str):  # noqa: ANN202
        async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
            published[name].append(headers["Nats-Msg-Id"])
        return publish

    backoff = runtime.settings.outbox_backoff
    a = OutboxRelay(runtime.db, runtime.tables.outbox, publisher("a"), backoff=backoff,
                    metrics=runtime.metrics, poll_s=0.1)
    b = OutboxRelay(runtime.db, runtime.tables.outbox, publisher("b"), backoff=backoff,
                    poll_s=0.1)
    tasks = [asyncio.create_task(a.run())]
    try:
        await eventually(lambda: a.leading, timeout=10)
        tasks.append(asyncio.create_task(b.run()))
        first = [e.id for e in await kit.emit(runtime, "k1")]
        first += [e.id for e in await kit.emit(runtime, "k2")]
        await eventually(lambda: published["a"] == first, timeout=10)
        await asyncio.sleep(0.5)  # several of the standby's polls
        assert not b.leading and published["b"] == []
        tasks[0].cancel()
        await asyncio.wait({tasks[0]}, timeout=10)
        await a.close()  # the lock goes with the connection
        await eventually(lambda: b.leading, timeout=10)
        later = [e.id for e in await kit.emit(runtime, "k3")]
        await eventually(lambda: published["b"] == later, timeout=10)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=10)
        await a.close()
        await b.close()
        await runtime.db.dispose()
    assert published["a"] == first
    assert all(row["published_at"] is not None for row in await kit.outbox_rows())


async def test_a_cancelled_relay_stops_even_when_a_library_swallows_the_cancel(kit) -> None:
    runtime = kit.runtime(run_relay=False)
    await kit.emit(runtime, "k")
    publishing = asyncio.Event()

    async def swallowing_publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        # as nats-py's request does when the stream's ack races the cancel (wait_for, 3.11)
        publishing.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(60)

    relay = OutboxRelay(runtime.db, runtime.tables.outbox, swallowing_publish,
                        backoff=runtime.settings.outbox_backoff, poll_s=0.05)
    try:
        task = asyncio.create_task(relay.run())
        await publishing.wait()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=10)
        assert task in done, "the relay went on relaying after it was cancelled"
    finally:
        await relay.close()
        await runtime.db.dispose()


async def test_the_trace_goes_on_through_the_outbox_to_the_consumer(kit) -> None:
    from opentelemetry import trace

    runtime = kit.runtime()
    seen: list[int] = []

    async def handle(uow, envelope) -> None:  # noqa: ANN001
        seen.append(trace.get_current_span().get_span_context().trace_id)

    runtime.bus.consume(kit.TICKED, "trace", handle)
    tracer = runtime.tracer_provider.get_tracer("test")
    async with running(runtime):
        with tracer.start_as_current_span("the shopper's request") as span:
            await kit.emit(runtime, "traced")
        emitted = span.get_span_context().trace_id
        await eventually(lambda: seen)
    assert seen == [emitted]
    [row] = await kit.outbox_rows()
    traceparent = json.loads(row["trace_headers"])["traceparent"]
    assert traceparent.split("-")[1] == format(emitted, "032x")
