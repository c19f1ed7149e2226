"""Request/reply between services: errors cross the bus as the same typed errors."""

import pytest

from atelier.kit.errors import NotFound, Unavailable
from atelier.kit.testing.plugin import running


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
