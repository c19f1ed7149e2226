"""A render replica that dies holding a message does not lose it: another replica picks it up
once the message's AckWait (2 s here) runs out."""

import asyncio
import signal

import nats
import pytest

from atelier.e2e.client import ready_preview
from atelier.e2e.system import System
from atelier.kit.broker import namespaced_stream

pytestmark = pytest.mark.e2e
CONSUMER = "render-snapshot-created"


async def test_killed_render_replica_work_is_picked_up_by_another(system: System) -> None:
    demo = await system.new_brand()
    nc = await nats.connect(system.stack.base_env["ATELIER_NATS_URL"])
    js = nc.jetstream()
    stream = namespaced_stream(system.namespace, "EVT_SNAPSHOT")
    doomed = system.stack.replica("render", 0)
    try:
        async with system.widget(demo) as widget:
            # freeze the only render replica while it has a pull request waiting on the server,
            # so the next snapshot event is delivered to it and then sits unacknowledged
            for _ in range(50):
                doomed.signal(signal.SIGSTOP)
                if (await js.consumer_info(stream, CONSUMER)).num_waiting > 0:
                    break
                doomed.signal(signal.SIGCONT)
                await asyncio.sleep(0.1)
            design = {"product_id": demo.product_id, "values": {"name": "Hopper"}}
            created = await widget.post("/v1/snapshots", json=design)
            assert created.status_code == 201, created.text
            for _ in range(100):
                info = await js.consumer_info(stream, CONSUMER)
                if info.num_ack_pending == 1:
                    break
                await asyncio.sleep(0.05)
            assert info.num_ack_pending == 1, "the frozen replica should be holding the event"
            held = info.delivered

            await system.stack.kill("render", 0, signal.SIGKILL)
            await system.stack.start_service("render", 1)
            ready = await ready_preview(widget, created.json()["id"])
        assert ready["preview"]["url"].endswith("/mockup-barrel.jpg")
        final = await js.consumer_info(stream, CONSUMER)
        # the same stream message, delivered once more (to the new replica), then acknowledged
        assert final.delivered.stream_seq == held.stream_seq
        assert final.delivered.consumer_seq > held.consumer_seq
        assert final.num_ack_pending == 0
    finally:
        await nc.close()
