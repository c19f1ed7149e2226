"""A service built with the kit's fakes, driven by ``bus.handle`` the way deliveries from NATS are
driven (the same delivery rules and request keys), with neither NATS nor Postgres: what every
service's handler tests stand on."""

import pytest

from atelier.contracts import Envelope
from atelier.contracts.catalog import Message
from atelier.kit import context
from atelier.kit.delivery import retry_delay
from atelier.kit.errors import Invalid, NotFound, PoisonMessage
from atelier.kit.outbox import UnitOfWork
from atelier.kit.runtime import Runtime
from atelier.kit.testing.fakes import FakeUnits, envelope

from .conftest import COUNT, PROBE, TICKED, KitSettings, Tick


class Counts:
    """A fake repository: runs per key, and what the give-up hook recorded."""

    def __init__(self) -> None:
        self.n: dict[str, int] = {}
        self.given_up: list[tuple[str, str, bool]] = []

    def add(self, key: str) -> int:
        self.n[key] = self.n.get(key, 0) + 1
        return self.n[key]


FAILURES = {"poison": PoisonMessage("never"), "invalid": Invalid("no such tick"),
            "flaky": ConnectionError("database briefly away")}


async def count(uow: UnitOfWork[Counts], envelope: Envelope[Tick]) -> None:
    """Counts the key and announces it; fails (after its writes) for the keys of FAILURES."""
    uow.repository.add(envelope.data.key)
    uow.emit(TICKED, envelope.data, brand_id=envelope.brand_id, cause=envelope)
    if envelope.data.key in FAILURES:
        raise FAILURES[envelope.data.key]


async def gave_up(uow: UnitOfWork[Counts], envelope: Envelope[Tick], reason: str,
                  poison: bool) -> None:
    uow.repository.given_up.append((envelope.data.key, reason, poison))


async def count_command(uow: UnitOfWork[Counts], envelope: Envelope[Tick]) -> Tick:
    if envelope.data.key == "which-request":  # the key the kit claimed, as the handler sees it
        return Tick(key=f"request:{context.request_key.get()}")
    await count(uow, envelope)
    return Tick(key=f"{envelope.data.key}:{uow.repository.n[envelope.data.key]}")


async def probe(envelope: Envelope[Tick]) -> Tick:
    if envelope.data.key == "missing":
        raise NotFound.of("probe", field="key")
    return Tick(key=f"{envelope.brand_id}:{envelope.data.key}")


@pytest.fixture
def units() -> FakeUnits[Counts]:
    return FakeUnits(Counts(), "commerce")


@pytest.fixture
def service(units: FakeUnits[Counts]) -> Runtime:
    runtime = Runtime(KitSettings(kit_schema="unused", max_deliver=3), units=units)
    runtime.bus.consume(TICKED, "count", count, gave_up)
    runtime.bus.serve_command(COUNT, count_command)
    runtime.bus.serve(PROBE, probe)
    return runtime


def tick(message: Message, key: str) -> Envelope:
    return envelope(message, Tick(key=key), brand_id="brand-kit")


# --- consumers ---------------------------------------------------------------------------------
async def test_a_message_is_handled_and_committed_once_whoever_delivers_it_again(
    service, units
) -> None:
    message = tick(TICKED, "once")
    first = await service.bus.handle(TICKED, message)
    again = await service.bus.handle(TICKED, message, delivered=2)
    assert (first.verdict, again.verdict) == ("ack", "ack")
    assert units.repository.n == {"once": 1}
    assert units.inbox == {("commerce-count", message.id)}
    [emitted] = units.emitted
    assert (emitted.data, emitted.producer, emitted.causation_id) == (
        Tick(key="once"), "commerce", message.id)


@pytest.mark.parametrize("key", ["poison", "invalid"])
async def test_poison_is_dead_lettered_at_once_its_writes_undone_and_the_consumer_told(
    service, units, key
) -> None:
    outcome = await service.bus.handle(TICKED, tick(TICKED, key))
    assert (outcome.verdict, outcome.poison) == ("dead_letter", True)
    assert outcome.reason.startswith("poison message: ")
    assert units.repository.n == {} and units.emitted == [] and units.inbox == set()
    assert units.repository.given_up == [(key, outcome.reason, True)]


async def test_a_transient_fault_is_retried_later_then_given_up_on_at_the_last_delivery(
    service, units
) -> None:
    message = tick(TICKED, "flaky")
    retry = await service.bus.handle(TICKED, message)
    assert (retry.verdict, retry.delay_s) == ("retry", retry_delay(service.settings, 1))
    assert units.repository.given_up == []
    last = await service.bus.handle(TICKED, message, delivered=3)
    assert (last.verdict, last.poison) == ("dead_letter", False)
    assert last.reason.startswith("failed 3 times, last: ConnectionError")
    assert units.repository.n == {} and units.emitted == []
    assert units.repository.given_up == [("flaky", last.reason, False)]


# --- rpc ---------------------------------------------------------------------------------------
async def test_a_command_runs_once_per_request_key_and_replays_its_first_answer(
    service, units
) -> None:
    assert await service.bus.handle(COUNT, tick(COUNT, "k"), request_key="r1") == Tick(key="k:1")
    assert await service.bus.handle(COUNT, tick(COUNT, "k"), request_key="r1") == Tick(key="k:1")
    assert await service.bus.handle(COUNT, tick(COUNT, "k"), request_key="r2") == Tick(key="k:2")
    assert units.repository.n == {"k": 2} and len(units.emitted) == 2


async def test_a_command_handler_reads_its_request_key_from_the_context(service) -> None:
    """What a handler sends under a key of its own (a payment provider's Idempotency-Key) is
    derived from it, so a retried request is never done twice outside either."""
    asked = tick(COUNT, "which-request")
    assert await service.bus.handle(COUNT, asked, request_key="r7") == Tick(key="request:r7")
    assert await service.bus.handle(COUNT, asked, request_key="r8") == Tick(key="request:r8")
    assert context.request_key.get() is None  # the caller's context is left as it was


async def test_a_refused_command_writes_nothing_and_leaves_its_key_free(service, units) -> None:
    with pytest.raises(Invalid, match="no such tick"):
        await service.bus.handle(COUNT, tick(COUNT, "invalid"), request_key="r1")
    assert units.repository.n == {} and units.emitted == [] and units.replies == {}
    with pytest.raises(Invalid) as refused:
        await service.bus.handle(COUNT, tick(COUNT, "k"))  # no request key
    assert [e.field for e in refused.value.errors] == ["Atelier-Request-Key"]


async def test_a_query_answers_or_raises_its_problem_as_the_caller_would_get_it(service) -> None:
    assert await service.bus.handle(PROBE, tick(PROBE, "k")) == Tick(key="brand-kit:k")
    with pytest.raises(NotFound) as missing:
        await service.bus.handle(PROBE, tick(PROBE, "missing"))
    assert [(e.field, e.code) for e in missing.value.errors] == [("key", "not_found")]


# --- the fake unit of work ---------------------------------------------------------------------
async def test_a_fake_unit_commits_like_the_real_one(units) -> None:
    effects: list[str] = []
    async with units() as uow:
        uow.repository.add("kept")
        uow.emit(TICKED, Tick(key="kept"), brand_id="brand-kit")
        uow.after_commit(lambda: effects.append("kept"))
        assert effects == [] and units.repository.n == {}  # nothing seen before the commit
        await uow.commit()
    assert uow.committed and effects == ["kept"]
    async with units() as uow:
        uow.repository.add("dropped")
        uow.emit(TICKED, Tick(key="dropped"), brand_id="brand-kit")
        uow.after_commit(lambda: effects.append("dropped"))
    assert not uow.committed and effects == ["kept"]
    assert units.repository.n == {"kept": 1}
    assert units.emitted_data(TICKED) == [Tick(key="kept")]
