"""Request/reply between services: errors cross the bus as the same typed errors; commands run
once per request key whoever retries them; a saturated service refuses at once."""

import asyncio

import pytest
from pydantic import BaseModel
from sqlalchemy import select, text

from atelier.contracts import Envelope, RpcReply
from atelier.kit.errors import Conflict, Invalid, NotFound, Unavailable
from atelier.kit.outbox import UnitOfWork
from atelier.kit.testing.plugin import eventually, running


async def test_a_remote_not_found_is_raised_as_not_found_to_the_caller(kit, client_bus) -> None:
    runtime = kit.runtime()

    async def lookup(envelope):  # noqa: ANN001, ANN202
        raise NotFound.of("probe", field="key")

    runtime.bus.serve(kit.PROBE, lookup)
    async with running(runtime):
        with pytest.raises(NotFound) as raised:
            await client_bus.call(kit.PROBE, kit.Tick(key="missing"), brand_id="brand-kit")
    assert [(e.field, e.code) for e in raised.value.errors] == [("key", "not_found")]


async def test_a_call_nobody_answers_is_unavailable(kit, client_bus) -> None:
    with pytest.raises(Unavailable, match="rpc.commerce.kitprobe did not answer"):
        await client_bus.call(kit.PROBE, kit.Tick(key="k"), brand_id="brand-kit", timeout=2.0)


async def test_a_reply_carries_the_handlers_result(kit, client_bus) -> None:
    runtime = kit.runtime()

    async def echo(envelope):  # noqa: ANN001, ANN202
        return kit.Tick(key=f"{envelope.brand_id}:{envelope.data.key}")

    runtime.bus.serve(kit.PROBE, echo)
    async with running(runtime):
        reply = await client_bus.call(kit.PROBE, kit.Tick(key="k"), brand_id="brand-kit")
    assert reply == kit.Tick(key="brand-kit:k")


async def test_a_request_that_can_never_succeed_is_refused_not_a_server_error(
    kit, client_bus
) -> None:
    runtime = kit.runtime()

    async def fails_for_good(envelope):  # noqa: ANN001, ANN202
        if envelope.data.key == "deep":
            raise RecursionError("maximum recursion depth exceeded")
        async with runtime.uow() as uow:  # a value PostgreSQL refuses as such: a NUL
            await uow.session.execute(select(text("CAST(:key AS text)")),
                                      {"key": envelope.data.key})
        return kit.Tick(key="stored")

    runtime.bus.serve(kit.PROBE, fails_for_good)
    refused = {}
    async with running(runtime):
        for key in ("deep", "nul\x00"):
            with pytest.raises(Invalid) as raised:
                await client_bus.call(kit.PROBE, kit.Tick(key=key), brand_id="brand-kit")
            refused[key] = [(e.field, e.code, e.message) for e in raised.value.errors]
        raw = await client_bus.broker.connection.request(  # another type of message
            client_bus.subject(kit.PROBE.subject),
            Envelope[kit.Tick](type="other", producer="t", data=kit.Tick(key="k"))
            .model_dump_json().encode(), timeout=5)
    assert refused == {
        "deep": [("body", "invalid_field", "RecursionError: maximum recursion depth exceeded")],
        "nul\x00": [("body", "invalid_field", "CharacterNotInRepertoireError: invalid byte "
                     'sequence for encoding "UTF8": 0x00')],
    }
    problem = RpcReply[kit.Tick].model_validate_json(raw.data).problem
    assert problem is not None and problem.status == 422
    assert [e.field for e in problem.errors] == ["type"]


# --- commands: request keys ------------------------------------------------------------------


class Counting:
    """A command handler that counts its runs per key in the database and answers the count;
    ``hold`` keeps the first run waiting (after its writes) until it is released."""

    def __init__(self, kit) -> None:  # noqa: ANN001
        self.kit = kit
        self.runs = 0
        self.hold: asyncio.Event | None = None

    async def __call__(self, uow: UnitOfWork, envelope: Envelope) -> BaseModel:
        await self.kit.counting()(uow, envelope)
        self.runs += 1
        n = (await uow.session.execute(
            select(self.kit.counter.c.n).where(self.kit.counter.c.key == envelope.data.key)
        )).scalar_one()
        if self.hold is not None and self.runs == 1:
            await self.hold.wait()
        return self.kit.Tick(key=f"{envelope.data.key}:{n}")


async def test_a_command_retried_after_its_reply_was_lost_gets_the_first_answer(
    kit, client_bus
) -> None:
    runtime = kit.runtime()
    handler = Counting(kit)
    handler.hold = asyncio.Event()
    runtime.bus.serve_command(kit.COUNT, handler)
    tick = kit.Tick(key="lost")
    async with running(runtime):
        # the service does the work but answers too late: the caller (and its own one retry
        # under the same key) gives up, the work commits afterwards
        with pytest.raises(Unavailable):
            await client_bus.call(kit.COUNT, tick, brand_id="brand-kit", request_key="r-1",
                                  timeout=0.3)
        handler.hold.set()
        await eventually(lambda: kit.count("lost"))
        again = await client_bus.call(kit.COUNT, tick, brand_id="brand-kit", request_key="r-1")
        other = await client_bus.call(kit.COUNT, tick, brand_id="brand-kit", request_key="r-2")
    assert again == kit.Tick(key="lost:1")  # the first answer, not a second run
    assert other == kit.Tick(key="lost:2")  # another key is another request
    assert await kit.count("lost") == 2 and handler.runs == 2


async def test_concurrent_twins_of_one_command_run_it_once(kit, client_bus) -> None:
    runtime = kit.runtime()
    handler = Counting(kit)
    runtime.bus.serve_command(kit.COUNT, handler)
    async with running(runtime):
        replies = await asyncio.gather(*(
            client_bus.call(kit.COUNT, kit.Tick(key="twins"), brand_id="brand-kit",
                            request_key="same") for _ in range(8)
        ))
    assert replies == [kit.Tick(key="twins:1")] * 8
    assert await kit.count("twins") == 1 and handler.runs == 1


async def test_a_request_key_belongs_to_its_brand(kit, client_bus) -> None:
    runtime = kit.runtime()
    runtime.bus.serve_command(kit.COUNT, Counting(kit))
    async with running(runtime):
        mine = await client_bus.call(kit.COUNT, kit.Tick(key="b"), brand_id="brand-1",
                                     request_key="k")
        theirs = await client_bus.call(kit.COUNT, kit.Tick(key="b"), brand_id="brand-2",
                                       request_key="k")
    assert (mine, theirs) == (kit.Tick(key="b:1"), kit.Tick(key="b:2"))


async def test_a_command_that_failed_leaves_its_key_free_for_the_retry(kit, client_bus) -> None:
    runtime = kit.runtime()
    counting, failures = Counting(kit), [Conflict("not yet")]

    async def flaky(uow: UnitOfWork, envelope: Envelope) -> BaseModel:
        reply = await counting(uow, envelope)
        if failures:
            raise failures.pop()  # after its writes: they roll back with the key
        return reply

    runtime.bus.serve_command(kit.COUNT, flaky)
    async with running(runtime):
        with pytest.raises(Conflict):
            await client_bus.call(kit.COUNT, kit.Tick(key="f"), brand_id="brand-kit",
                                  request_key="k")
        reply = await client_bus.call(kit.COUNT, kit.Tick(key="f"), brand_id="brand-kit",
                                      request_key="k")
    assert reply == kit.Tick(key="f:1")
    assert await kit.count("f") == 1


async def test_a_command_without_a_request_key_or_brand_is_refused(kit, client_bus) -> None:
    runtime = kit.runtime()
    runtime.bus.serve_command(kit.COUNT, Counting(kit))
    envelope = Envelope[kit.Tick](type=kit.COUNT.type, producer="test", brand_id="brand-kit",
                                  data=kit.Tick(key="raw"))
    async with running(runtime):
        raw = await client_bus.broker.connection.request(
            client_bus.subject(kit.COUNT.subject), envelope.model_dump_json().encode(), timeout=5)
        with pytest.raises(Invalid) as brandless:
            await client_bus.call(kit.COUNT, kit.Tick(key="raw"), brand_id=None)
        with pytest.raises(Invalid):
            await client_bus.call(kit.COUNT, kit.Tick(key="raw"), brand_id="brand-kit",
                                  request_key="k" * 256)
    reply = RpcReply.model_validate_json(raw.data)
    assert not reply.ok and reply.problem is not None
    errors = [(e.field, e.code) for e in reply.problem.errors]
    assert errors == [("Atelier-Request-Key", "required")]
    assert [(e.field, e.code) for e in brandless.value.errors] == [("brand_id", "required")]
    assert await kit.count("raw") == 0


def test_queries_and_commands_are_served_by_their_own_verbs(kit) -> None:
    runtime = kit.runtime()
    with pytest.raises(ValueError, match="serve_command"):
        runtime.bus.serve(kit.COUNT, Counting(kit))
    with pytest.raises(ValueError, match="query"):
        runtime.bus.serve_command(kit.PROBE, Counting(kit))


# --- load ------------------------------------------------------------------------------------


async def test_beyond_its_queue_a_service_refuses_at_once_with_a_retry_hint(
    kit, client_bus
) -> None:
    runtime = kit.runtime(rpc_concurrency=1, rpc_queue_limit=1)
    release, started = asyncio.Event(), asyncio.Event()

    async def slow(envelope: Envelope) -> BaseModel:
        started.set()
        await release.wait()
        return envelope.data

    runtime.bus.serve(kit.PROBE, slow)
    async with running(runtime):
        running_one = asyncio.create_task(
            client_bus.call(kit.PROBE, kit.Tick(key="1"), brand_id="b", timeout=30))
        await started.wait()
        waiting_one = asyncio.create_task(
            client_bus.call(kit.PROBE, kit.Tick(key="2"), brand_id="b", timeout=30))
        await eventually(lambda: len(runtime.bus.rpc._in_flight) == 2)
        # the slow handler still holds its slot: this one is answered without waiting for it
        with pytest.raises(Unavailable) as refused:
            await client_bus.call(kit.PROBE, kit.Tick(key="3"), brand_id="b", timeout=30)
        assert not running_one.done()
        release.set()
        assert [r.key for r in await asyncio.gather(running_one, waiting_one)] == ["1", "2"]
    assert refused.value.retry_after_s == 1 and refused.value.headers == {"Retry-After": "1"}
    refusals = runtime.metrics.registry.get_sample_value(
        "atelier_rpc_refused_total", {"subject": kit.PROBE.subject})
    assert refusals == 1


async def test_an_rpc_handler_that_hangs_answers_unavailable(kit, client_bus) -> None:
    runtime = kit.runtime(rpc_handler_timeout_s=0.2)

    async def hangs(envelope: Envelope) -> BaseModel:
        await asyncio.Event().wait()
        raise AssertionError("never")

    runtime.bus.serve(kit.PROBE, hangs)
    async with running(runtime):
        with pytest.raises(Unavailable, match="took too long") as raised:
            await client_bus.call(kit.PROBE, kit.Tick(key="h"), brand_id="b", timeout=30)
    assert raised.value.retry_after_s == 1
