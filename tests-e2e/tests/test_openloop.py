"""The open-loop driver is free of coordinated omission: against a server of the test's own that
stalls once for 200 ms, every request due during the stall is reported with what was left of the
stall in its latency, whether or not it could get a connection; a closed loop reports the stall
only for the requests it had in flight."""

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable

import pytest
from hdrh.histogram import HdrHistogram

from atelier.e2e.loadgen import LoadClient
from atelier.e2e.openloop import MAX_IN_FLIGHT, closed_loop, open_loop

STALL_S = 0.2
RATE, COUNT, STALL_AT = 500, 400, 100  # the stall begins with the request due 0.2 s in


class StallingServer:
    """Answers every request at once (204), except once: the ``STALL_AT``-th request to arrive
    starts a stall, and it and every request arriving before the stall is over are answered when
    it ends. Notes when the stall began and ended, on the driver's clock."""

    def __init__(self) -> None:
        self.arrived = 0
        self.began: float | None = None
        self.ended: float | None = None
        self.over = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                self.arrived += 1
                if self.arrived == STALL_AT:
                    self.began = time.perf_counter()
                    asyncio.get_running_loop().call_later(STALL_S, self.end)
                if self.began is not None:
                    await self.over.wait()
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass

    def end(self) -> None:
        self.ended = time.perf_counter()
        self.over.set()


@pytest.fixture
async def stalling() -> AsyncIterator[tuple[StallingServer, LoadClient]]:
    server = StallingServer()
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0, backlog=1024)
    port = listening.sockets[0].getsockname()[1]
    async with listening, LoadClient.open(f"http://127.0.0.1:{port}", 2, {}) as client:
        yield server, client


def answered_after(histogram: HdrHistogram) -> Callable[[float], int]:
    """How many recorded latencies are at least so many µs (to the histogram's precision)."""
    recorded = [(item.value_iterated_to, item.count_at_value_iterated_to)
                for item in histogram.get_recorded_iterator()]

    def count(us: float) -> int:
        bound = histogram.get_lowest_equivalent_value(int(us))
        return sum(times for value, times in recorded if value >= bound)

    return count


@pytest.mark.parametrize("max_in_flight", [MAX_IN_FLIGHT, 2],
                         ids=["a-connection-each", "two-connections-for-all"])
async def test_every_request_due_during_a_stall_has_the_rest_of_it_in_its_latency(
    stalling: tuple[StallingServer, LoadClient], max_in_flight: int,
) -> None:
    server, client = stalling

    async def request(_: int) -> None:
        assert await client.get("/") == (204, None)

    run = await open_loop(RATE, COUNT, request, max_in_flight=max_in_flight)

    assert (run.sent, run.errors) == (COUNT, 0)
    assert server.began is not None and server.ended is not None
    due = [n for n in range(COUNT) if server.began <= run.scheduled(n) <= server.ended]
    assert len(due) >= 50, "the stall fell inside the schedule"
    # each of them waited at least until the stall ended, counted from when it was due: for every
    # k, at least k latencies are as long as the k-th longest of those waits
    owed_us = sorted(((server.ended - run.scheduled(n)) * 1e6 for n in due), reverse=True)
    at_least = answered_after(run.latency_us)
    for k, owed in enumerate(owed_us, start=1):
        assert at_least(owed) >= k, (k, owed)
    # and so the p99 holds the stall: at least 1 % of the requests waited for nearly all of it
    beyond_p99 = COUNT - math.ceil(0.99 * COUNT) + 1
    assert run.latency_us.get_value_at_percentile(99) >= (
        run.latency_us.get_lowest_equivalent_value(int(owed_us[beyond_p99 - 1])))
    assert owed_us[beyond_p99 - 1] > 0.9 * STALL_S * 1e6
    if max_in_flight == 2:  # the requests due during the stall could not even be sent
        assert run.peak_in_flight > len(due)


async def test_a_closed_loop_sees_the_stall_only_in_the_requests_it_had_in_flight(
    stalling: tuple[StallingServer, LoadClient],
) -> None:
    """The omission the open loop avoids: the clients wait with the server, and the requests they
    would have sent during the stall are never timed."""
    server, client = stalling

    async def request(_: int) -> None:
        assert await client.get("/") == (204, None)

    run = await closed_loop(2, COUNT, request)

    assert server.began is not None and server.ended is not None
    assert answered_after(run.latency_us)(0.75 * STALL_S * 1e6) <= 2
