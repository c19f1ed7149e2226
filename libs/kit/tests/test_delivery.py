"""Delivery rules of durable consumers on real JetStream: dedup, inbox, retry, dead letters."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import nats
import pytest
from sqlalchemy import text

from atelier.contracts import Envelope, new_id
from atelier.kit import context
from atelier.kit.broker import namespaced_stream
from atelier.kit.delivery import retry_delay
from atelier.kit.errors import PoisonMessage
from atelier.kit.outbox import UnitOfWork
from atelier.kit.testing.fakes import InMemoryStore
from atelier.kit.testing.plugin import eventually, running, stream_messages


def tick(kit, key: str) -> Envelope:
    return Envelope[kit.Tick](type=kit.TICKED.type, producer="test", data=kit.Tick(key=key))


async def publish(client_bus, kit, payload: bytes, msg_id: str | None = None) -> None:
    await client_bus.publish_raw(kit.TICKED.subject, payload, {"Nats-Msg-Id": msg_id or new_id()})


async def consumer_state(nats_url: str, namespace: str, durable: str):  # noqa: ANN201
    nc = await nats.connect(nats_url)
    try:
        return await nc.jetstream().consumer_info(
            namespaced_stream(namespace, "EVT_COMMERCE"), durable
        )
    finally:
        await nc.close()


async def settled(nats_url: str, namespace: str, durable: str) -> bool:
    """Nothing left to deliver and nothing delivered but unacknowledged."""
    state = await consumer_state(nats_url, namespace, durable)
    return state.num_ack_pending == 0 and state.num_pending == 0


async def dead_letters(nats_url: str, namespace: str) -> list:
    return await stream_messages(nats_url, namespaced_stream(namespace, "DLQ_COMMERCE"))


class StoreAway(InMemoryStore):
    """An object store that is unreachable until the event loop's clock reaches ``back_at``."""

    def __init__(self, back_at: float) -> None:
        super().__init__()
        self.back_at = back_at

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        if asyncio.get_running_loop().time() < self.back_at:
            raise ConnectionError("object store unreachable")
        await super().put(key, data, content_type)


class Calls:
    """Records each delivery to a handler and fails the way a test asks."""

    def __init__(self, failures: int = 0, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or ConnectionError("database briefly away")
        self.at: list[float] = []

    def wrap(self, handle):  # noqa: ANN001, ANN201
        async def handler(uow: UnitOfWork, envelope: Envelope) -> None:
            self.at.append(asyncio.get_running_loop().time())
            if len(self.at) <= self.failures:
                raise self.error
            if handle is not None:
                await handle(uow, envelope)

        return handler


async def test_jetstream_keeps_one_copy_of_a_message_id_published_twice(
    kit, client_bus, nats_url, namespace
) -> None:
    envelope = tick(kit, "dedup")
    for _ in range(2):
        await publish(client_bus, kit, envelope.model_dump_json().encode(), msg_id=envelope.id)
    stored = await stream_messages(nats_url, namespaced_stream(namespace, "EVT_COMMERCE"))
    assert [m.headers["Nats-Msg-Id"] for m in stored] == [envelope.id]


async def test_the_same_message_delivered_twice_changes_state_once(
    kit, client_bus, nats_url, namespace
) -> None:
    runtime = kit.runtime()
    calls = Calls()
    runtime.bus.consume(kit.TICKED, "count", calls.wrap(kit.counting()))
    payload = tick(kit, "twice").model_dump_json().encode()
    async with running(runtime):
        # two Nats-Msg-Ids: JetStream stores both, as after a redelivery past its dedup window
        await publish(client_bus, kit, payload)
        await publish(client_bus, kit, payload)
        await eventually(lambda: settled(nats_url, namespace, "commerce-count"))
    # the handler does not dedup: the kit's inbox kept the second copy from reaching it
    assert len(calls.at) == 1
    assert await kit.count("twice") == 1


@contextlib.asynccontextmanager
async def answers_to_jetstream(
    nats_url: str, namespace: str, durable: str
) -> AsyncIterator[list[tuple[str, float | None]]]:
    """What the consumer answers JetStream about each delivery, as JetStream receives it (acks
    go to ``$JS.ACK.<stream>.<durable>…``): ``("-NAK", delay in seconds)``, ``("+ACK", None)``…
    Progress reports (``+WPI``) are left out."""
    stream = namespaced_stream(namespace, "EVT_COMMERCE")
    nc = await nats.connect(nats_url)
    answers: list[tuple[str, float | None]] = []

    async def heard(msg) -> None:  # noqa: ANN001
        kind, _, args = (msg.data or b"+ACK").decode().partition(" ")  # empty: an ACK
        if kind != "+WPI":
            answers.append((kind, json.loads(args)["delay"] / 1e9 if args else None))

    await nc.subscribe(f"$JS.ACK.{stream}.{durable}.>", cb=heard)
    await nc.flush()
    try:
        yield answers
    finally:
        await nc.close()


async def test_a_transient_failure_is_retried_with_growing_delays_until_it_succeeds(
    kit, client_bus, nats_url, namespace
) -> None:
    runtime = kit.runtime()
    calls = Calls(failures=2)
    runtime.bus.consume(kit.TICKED, "count", calls.wrap(kit.counting()))
    async with (running(runtime),
                answers_to_jetstream(nats_url, namespace, "commerce-count") as answers):
        await publish(client_bus, kit, tick(kit, "flaky").model_dump_json().encode())
        await eventually(lambda: kit.count("flaky"))
        await eventually(lambda: settled(nats_url, namespace, "commerce-count"))
        await eventually(lambda: len(answers) == 3)
    # a plain NAK would come back within milliseconds: each asks JetStream to wait its delay,
    # growing on the schedule
    delays = [retry_delay(runtime.settings, delivered) for delivered in (1, 2)]
    assert delays[1] > delays[0]
    assert answers == [("-NAK", delays[0]), ("-NAK", delays[1]), ("+ACK", None)]
    assert len(calls.at) == 3
    assert await dead_letters(nats_url, namespace) == []


async def test_a_15_minute_outage_of_the_object_store_loses_nothing(
    kit, client_bus, nats_url, namespace
) -> None:
    # the default schedule on a fast clock, against an outage as long on that clock
    runtime = kit.runtime(**kit.fast_schedule())
    assert sum(runtime.settings.delivery_backoff.schedule()) > kit.OUTAGE_S
    store = StoreAway(back_at=asyncio.get_running_loop().time() + kit.OUTAGE_S)
    counted, deliveries = kit.counting(), []

    async def handle(uow: UnitOfWork, envelope: Envelope) -> None:
        deliveries.append(envelope.id)
        await store.put(f"ticks/{envelope.data.key}", b"tick", "text/plain")
        await counted(uow, envelope)

    runtime.bus.consume(kit.TICKED, "count", handle)
    async with running(runtime):
        await publish(client_bus, kit, tick(kit, "stored").model_dump_json().encode())
        await eventually(lambda: kit.count("stored"), timeout=30)
        await eventually(lambda: settled(nats_url, namespace, "commerce-count"))
    assert len(deliveries) > 1  # it did fail, and was tried again
    assert await kit.count("stored") == 1 and await store.exists("ticks/stored")
    assert await dead_letters(nats_url, namespace) == []


def retyped(kit, **change: object) -> bytes:  # noqa: ANN001
    return tick(kit, "retyped").model_copy(update=change).model_dump_json().encode()


@pytest.mark.parametrize(
    ("payload", "error", "reason"),
    [
        (b'{"not": json', None, "invalid message: body: Invalid JSON"),
        (b'{"type": "kitprobe.ticked"}', None, "invalid message: producer: Field required"),
        (b'{"data": {}}', None, "invalid message"),
        ("type", None, "invalid message: type: Input should be 'kitprobe.ticked'"),
        ("version", None, "invalid message: version: Input should be 1"),
        (None, PoisonMessage("no such product"), "poison message: no such product"),
        (None, PoisonMessage("no\nsuch → product"), "poison message: no\\nsuch \\u2192 product"),
        (None, RecursionError("maximum recursion depth exceeded"),
         "poison message: RecursionError: maximum recursion depth exceeded"),
    ],
    ids=["unparseable", "not-an-envelope", "envelope-without-its-fields", "another-type",
         "another-version", "handler-says-poison", "reason-beyond-ascii", "recursion"],
)
async def test_a_poison_message_goes_to_the_dead_letter_subject_at_once(
    kit, client_bus, nats_url, namespace, payload, error, reason
) -> None:
    runtime = kit.runtime()
    calls = Calls(failures=1_000, error=error)
    runtime.bus.consume(kit.TICKED, "count", calls.wrap(None))
    if payload in ("type", "version"):  # the right model under another type or version
        change = {"type": "commerce.other"} if payload == "type" else {"version": 2}
        payload = retyped(kit, **change)
    body = payload or tick(kit, "poison").model_dump_json().encode()
    async with running(runtime):
        await publish(client_bus, kit, body)
        [dead] = await eventually(lambda: dead_letters(nats_url, namespace))
        await eventually(lambda: settled(nats_url, namespace, "commerce-count"))
    assert dead.subject == f"{namespace}.dlq.commerce"
    assert dead.headers["Atelier-Dlq-Reason"].startswith(reason)
    assert dead.headers["Atelier-Dlq-Consumer"] == "commerce-count"
    assert dead.headers["Atelier-Dlq-Subject"] == f"{namespace}.{kit.TICKED.subject}"
    assert dead.data == body  # replayable as it came
    assert len(calls.at) == (0 if payload else 1)  # never retried


class GaveUp:
    """Records what a consumer is told when the kit gives up on a message."""

    def __init__(self) -> None:
        self.told: list[tuple[str, str, bool]] = []
        self.brands: list[str | None] = []  # the brand in hand: what its writes are scoped to

    async def __call__(self, uow: UnitOfWork, envelope: Envelope, reason: str,
                       poison: bool) -> None:
        self.told.append((envelope.data.key, reason, poison))
        self.brands.append(context.brand_id.get())


async def test_a_handler_that_always_fails_is_dead_lettered_after_max_deliver(
    kit, client_bus, nats_url, namespace
) -> None:
    runtime = kit.runtime(max_deliver=3)
    calls, gave_up = Calls(failures=1_000), GaveUp()
    runtime.bus.consume(kit.TICKED, "count", calls.wrap(None), gave_up)
    async with running(runtime):
        await publish(client_bus, kit, tick(kit, "doomed").model_dump_json().encode())
        [dead] = await eventually(lambda: dead_letters(nats_url, namespace))
        await eventually(lambda: settled(nats_url, namespace, "commerce-count"))
    assert len(calls.at) == 3
    reason = dead.headers["Atelier-Dlq-Reason"]
    assert reason.startswith("failed 3 times, last: ConnectionError")
    assert gave_up.told == [("doomed", reason, False)]  # once, after it was parked


async def test_a_poison_message_is_reported_as_poison(
    kit, client_bus, nats_url, namespace
) -> None:
    runtime = kit.runtime()
    gave_up = GaveUp()
    runtime.bus.consume(kit.TICKED, "count",
                        Calls(failures=1_000, error=PoisonMessage("never")).wrap(None), gave_up)
    async with running(runtime):
        await publish(client_bus, kit, tick(kit, "poison").model_dump_json().encode())
        await eventually(lambda: dead_letters(nats_url, namespace))
        await eventually(lambda: settled(nats_url, namespace, "commerce-count"))
    assert gave_up.told == [("poison", "poison message: never", True)]


async def test_a_failing_gave_up_hook_leaves_the_message_parked(
    kit, client_bus, nats_url, namespace
) -> None:
    runtime = kit.runtime(max_deliver=2)

    async def broken(uow: UnitOfWork, envelope: Envelope, reason: str, poison: bool) -> None:
        raise ConnectionError("database away too")

    runtime.bus.consume(kit.TICKED, "count", Calls(failures=1_000).wrap(None), broken)
    async with running(runtime):
        await publish(client_bus, kit, tick(kit, "doomed").model_dump_json().encode())
        [dead] = await eventually(lambda: dead_letters(nats_url, namespace))
        # settled: terminated, so nothing is left to redeliver and park again
        await eventually(lambda: settled(nats_url, namespace, "commerce-count"))
    assert len(await dead_letters(nats_url, namespace)) == 1
    assert dead.headers["Atelier-Dlq-Reason"].startswith("failed 2 times")


async def test_when_dead_lettering_fails_the_spare_delivery_parks_it_without_the_handler(
    kit, client_bus, nats_url, namespace, monkeypatch
) -> None:
    runtime = kit.runtime(max_deliver=2)
    calls, gave_up = Calls(failures=1_000), GaveUp()
    runtime.bus.consume(kit.TICKED, "count", calls.wrap(None), gave_up)
    park = runtime.bus.dead_letter
    parked: list[str] = []

    async def dlq_down_once(msg, consumer, reason):  # noqa: ANN001, ANN202
        parked.append(reason)
        if len(parked) == 1:
            raise ConnectionError("dlq stream unavailable")
        await park(msg, consumer, reason)

    monkeypatch.setattr(runtime.bus, "dead_letter", dlq_down_once)
    async with running(runtime):
        unlucky = tick(kit, "unlucky").model_copy(update={"brand_id": "brand-kit"})
        await publish(client_bus, kit, unlucky.model_dump_json().encode())
        [dead] = await eventually(lambda: dead_letters(nats_url, namespace))
        await eventually(lambda: settled(nats_url, namespace, "commerce-count"))
    assert len(calls.at) == 2  # max_deliver runs of the handler, not one more
    assert dead.headers["Atelier-Dlq-Reason"] == "failed 2 times"
    assert gave_up.told == [("unlucky", "failed 2 times", False)]  # told once it was parked
    assert gave_up.brands == ["brand-kit"]  # in the message's brand, as its handler was


async def test_dead_letters_are_listed_and_replayed_once_the_cause_is_fixed(
    kit, client_bus, nats_url: str, namespace: str
) -> None:
    from atelier.kit import dlq

    runtime = kit.runtime()
    broken = {"on": True}
    counted = kit.counting()

    async def handle(uow: UnitOfWork, envelope: Envelope) -> None:
        if broken["on"]:
            raise PoisonMessage("no such product (yet)")
        await counted(uow, envelope)

    runtime.bus.consume(kit.TICKED, "count", handle)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        async with running(runtime):
            await publish(client_bus, kit, tick(kit, "later").model_dump_json().encode())
            [letter] = await eventually(lambda: dlq.dead_letters(js, "commerce", namespace))
            assert letter.reason == "poison message: no such product (yet)"
            assert letter.consumer == "commerce-count" and letter.subject.endswith(
                kit.TICKED.subject)
            broken["on"] = False  # the cause is fixed
            assert [r.sequence for r in await dlq.replay(js, "commerce", namespace)] == [
                letter.sequence]
            await eventually(lambda: kit.count("later"))
        assert await kit.count("later") == 1
        assert await dlq.dead_letters(js, "commerce", namespace) == []
    finally:
        await nc.close()


async def test_an_invalid_message_is_dead_lettered_not_retried(
    kit, client_bus, nats_url: str, namespace: str
) -> None:
    from atelier.kit.broker import brand_of

    runtime = kit.runtime()
    calls = Calls()

    async def needs_a_brand(uow: UnitOfWork, envelope: Envelope) -> None:
        brand_of(envelope)  # a message without a brand will never gain one

    runtime.bus.consume(kit.TICKED, "count", calls.wrap(needs_a_brand))
    async with running(runtime):
        await publish(client_bus, kit, tick(kit, "brandless").model_dump_json().encode())
        [dead] = await eventually(lambda: dead_letters(nats_url, namespace))
    assert len(calls.at) == 1
    assert dead.headers["Atelier-Dlq-Reason"] == "poison message: brand_id is required"


def gauge(runtime, name: str, consumer: str) -> float | None:  # noqa: ANN001
    return runtime.metrics.registry.get_sample_value(name, {"consumer": consumer})


async def test_the_consumers_queue_lag_is_on_the_metrics(kit, client_bus) -> None:
    runtime = kit.runtime(consumer_lag_interval_s=0.05)
    release = asyncio.Event()

    async def held(uow: UnitOfWork, envelope: Envelope) -> None:
        await release.wait()

    runtime.bus.consume(kit.TICKED, "count", held)
    async with running(runtime):
        for n in range(5):
            await publish(client_bus, kit, tick(kit, f"k{n}").model_dump_json().encode())

        async def backlog() -> bool:  # one message in the handler, four waiting behind it
            return (gauge(runtime, "atelier_consumer_pending", "commerce-count"),
                    gauge(runtime, "atelier_consumer_ack_pending", "commerce-count")) == (4, 1)

        await eventually(backlog)
        release.set()

        async def drained() -> bool:
            return (gauge(runtime, "atelier_consumer_pending", "commerce-count"),
                    gauge(runtime, "atelier_consumer_ack_pending", "commerce-count")) == (0, 0)

        await eventually(drained)


async def test_a_handler_that_hangs_is_cut_off_and_its_message_tried_again(
    kit, client_bus, nats_url, namespace
) -> None:
    runtime = kit.runtime(handler_timeout_s=0.3)
    counted, runs = kit.counting(), []

    async def hangs_once(uow: UnitOfWork, envelope: Envelope) -> None:
        runs.append(envelope.id)
        await counted(uow, envelope)  # written, then rolled back when the handler is cut off
        if len(runs) == 1:
            await asyncio.Event().wait()

    runtime.bus.consume(kit.TICKED, "count", hangs_once)
    async with running(runtime):
        await publish(client_bus, kit, tick(kit, "hung").model_dump_json().encode())
        await eventually(lambda: kit.count("hung"))
        await eventually(lambda: settled(nats_url, namespace, "commerce-count"))
    assert len(runs) == 2 and runs[0] == runs[1]
    assert await kit.count("hung") == 1
    assert await dead_letters(nats_url, namespace) == []


async def test_three_deliveries_concurrently_and_after_a_restart_change_state_once(
    kit, client_bus, nats_url, namespace
) -> None:
    payload = tick(kit, "thrice").model_dump_json().encode()
    calls = Calls()
    first, second = kit.runtime(), kit.runtime()  # two replicas on the one durable consumer
    for runtime in (first, second):
        runtime.bus.consume(kit.TICKED, "count", calls.wrap(kit.counting()))
    async with running(first), running(second):
        await asyncio.gather(*(publish(client_bus, kit, payload) for _ in range(3)))
        await eventually(lambda: settled(nats_url, namespace, "commerce-count"))
    restarted = kit.runtime()
    restarted.bus.consume(kit.TICKED, "count", calls.wrap(kit.counting()))
    async with running(restarted):
        await publish(client_bus, kit, payload)
        await eventually(lambda: settled(nats_url, namespace, "commerce-count"))
    assert await kit.count("thrice") == 1
    assert len(calls.at) == 1  # the handler saw it once; the inbox absorbed the others


async def test_a_replayed_dead_letter_changes_each_of_its_consumers_once(
    kit, client_bus, nats_url: str, namespace: str
) -> None:
    from atelier.kit import dlq

    runtime = kit.runtime()
    counted, broken = kit.counting(), {"on": True}

    async def tally(uow: UnitOfWork, envelope: Envelope) -> None:
        if broken["on"]:
            raise PoisonMessage("tally not configured yet")
        tallied = envelope.model_copy(update={"data": kit.Tick(key=f"{envelope.data.key}+")})
        await counted(uow, tallied)

    runtime.bus.consume(kit.TICKED, "count", counted)  # handles it at once
    runtime.bus.consume(kit.TICKED, "tally", tally)  # dead-letters it
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        async with running(runtime):
            await publish(client_bus, kit, tick(kit, "both").model_dump_json().encode())
            [letter] = await eventually(lambda: dlq.dead_letters(js, "commerce", namespace))
            assert letter.consumer == "commerce-tally"
            broken["on"] = False
            await dlq.replay(js, "commerce", namespace)  # to the subject: both consumers get it
            await eventually(lambda: kit.count("both+"))
            await eventually(lambda: settled(nats_url, namespace, "commerce-count"))
            await eventually(lambda: settled(nats_url, namespace, "commerce-tally"))
    finally:
        await nc.close()
    assert (await kit.count("both"), await kit.count("both+")) == (1, 1)


async def test_a_value_postgres_refuses_is_poison(kit, client_bus, nats_url, namespace) -> None:
    """SQLSTATE class 22: the same value is refused on every delivery."""
    runtime = kit.runtime()
    calls, gave_up = Calls(), GaveUp()

    async def store_it(uow: UnitOfWork, envelope: Envelope) -> None:
        await uow.session.execute(text("SELECT CAST(:n AS integer)"), {"n": 2**40})

    runtime.bus.consume(kit.TICKED, "count", calls.wrap(store_it), gave_up)
    async with running(runtime):
        await publish(client_bus, kit, tick(kit, "huge").model_dump_json().encode())
        [dead] = await eventually(lambda: dead_letters(nats_url, namespace))
        await eventually(lambda: settled(nats_url, namespace, "commerce-count"))
    assert len(calls.at) == 1
    assert dead.headers["Atelier-Dlq-Reason"] == (
        "poison message: DataError: invalid input for query argument $1: 1099511627776 "
        "(value out of int32 range)")
    assert gave_up.told == [("huge", dead.headers["Atelier-Dlq-Reason"], True)]


@pytest.mark.parametrize("concurrency", [1, 2])
async def test_a_consumer_handles_as_many_messages_at_once_as_it_is_given(
    kit, client_bus, nats_url, namespace, concurrency: int
) -> None:
    """``concurrency`` 2: while one message's handler waits (as a render job waits on its
    drawing thread), the next one is handled; 1: one after the other, as before. Each still in
    its own unit of work, each acknowledged."""
    runtime = kit.runtime()
    inside, most = 0, 0

    async def handler(uow: UnitOfWork, envelope: Envelope) -> None:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.3)
        inside -= 1
        await kit.counting()(uow, envelope)

    runtime.bus.consume(kit.TICKED, "count", handler, concurrency=concurrency)
    async with running(runtime):
        for key in ("a", "b", "c", "d"):
            await publish(client_bus, kit, tick(kit, key).model_dump_json().encode())
        for key in ("a", "b", "c", "d"):
            await eventually(lambda key=key: kit.count(key))
        await eventually(lambda: settled(nats_url, namespace, "commerce-count"))
    assert most == concurrency
