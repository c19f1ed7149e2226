"""The connection to NATS survives NATS being away, even when the service starts."""

import asyncio


async def test_a_service_started_while_nats_is_down_starts_once_nats_is_up(
    kit, nats_server
) -> None:
    nats_server.stop()
    runtime = kit.runtime(nats_url=nats_server.url)
    starting = asyncio.create_task(runtime.start())
    await asyncio.sleep(0.5)
    assert not starting.done(), "start() waits for NATS instead of failing"
    nats_server.start()
    try:
        await asyncio.wait_for(starting, timeout=30)
        assert await runtime.readiness() == {"database": True, "nats": True}
    finally:
        await runtime.stop()
