"""The benchmark's two ways of loading a server: an open loop for latency, a closed loop for
saturation.

**Open loop.** Request ``n`` is due at ``began + n / rate`` whatever happened to the ones before
it, and its latency runs from that scheduled start to its answer. A server that stalls therefore
shows in the latency of every request due during the stall, not only in the one it was serving
(a closed loop, and any driver that measures from when it actually sent, waits with the server and
leaves those requests out: "coordinated omission"). Waiting for a free connection, and the
driver's own lateness in sending, count too. Latencies go into an HDR histogram (microseconds,
three significant digits), so p99 of a long run costs no memory and no sort.

**Closed loop.** ``concurrency`` clients each send their next request as soon as they have an
answer: the number of requests a second the server completes when it never waits for work.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

# Enough connections for 1000 req/s with a second of latency; a request due when all are busy
# waits for one, counted from its scheduled start.
MAX_IN_FLIGHT = 1024
TIMEOUT_S = 30.0  # a request not answered by then is an error (and its connection is dropped)

Request = Callable[[int], Awaitable[None]]
"""Sends request number ``n`` of a run (0, 1, …) and raises when the answer is not the one
expected; the driver times it."""


def histogram() -> HdrHistogram:
    """Latencies in µs, from 1 µs to an hour, to three significant digits."""
    return HdrHistogram(1, int(3600e6), 3)


@dataclass
class Run:
    """What a run measured. ``latency_us``: each answered request's latency in microseconds
    (from its scheduled start in an open loop, from its send in a closed one)."""

    offered: float | None  # requests a second of an open loop's schedule; None: closed loop
    began: float  # time.perf_counter() when request 0 was due (open loop) or sent (closed)
    seconds: float = 0.0  # from ``began`` until the last answer
    sent: int = 0
    errors: int = 0
    first_error: str | None = None
    peak_in_flight: int = 0
    latency_us: HdrHistogram = field(default_factory=histogram)
    # open loop: how late the driver itself sent each request (already in every latency)
    lag_us: HdrHistogram = field(default_factory=histogram)

    def scheduled(self, n: int) -> float:
        """When request ``n`` of an open loop was due, on time.perf_counter()'s clock."""
        assert self.offered is not None, "a closed loop has no schedule"
        return self.began + n / self.offered

    def ms(self, percentile: float) -> float:
        return self.latency_us.get_value_at_percentile(percentile) / 1000

    @property
    def throughput(self) -> float:
        """Answered requests a second."""
        return (self.sent - self.errors) / self.seconds if self.seconds else 0.0


class _Timed:
    """Sends one request at a time for a run, keeps the count of those in flight and records
    each outcome."""

    def __init__(self, run: Run, request: Request, max_in_flight: int) -> None:
        self.run = run
        self.request = request
        self.slots = asyncio.Semaphore(max_in_flight)
        self.in_flight = 0

    async def __call__(self, n: int, start: float) -> None:
        run = self.run
        run.sent += 1
        self.in_flight += 1
        run.peak_in_flight = max(run.peak_in_flight, self.in_flight)
        try:
            async with asyncio.timeout(TIMEOUT_S), self.slots:
                await self.request(n)
        except Exception as exc:  # noqa: BLE001 - every failure is counted, the first kept
            run.errors += 1
            run.first_error = run.first_error or f"request {n}: {type(exc).__name__}: {exc}"
            return
        finally:
            self.in_flight -= 1
        answered = time.perf_counter()
        run.latency_us.record_value(max(1, round((answered - start) * 1e6)))
        run.seconds = max(run.seconds, answered - run.began)


async def open_loop(
    rate: float, count: int, request: Request, max_in_flight: int = MAX_IN_FLIGHT
) -> Run:
    """``count`` requests offered at ``rate`` a second, each latency from its scheduled start."""
    began = time.perf_counter()
    run = Run(offered=rate, began=began)
    timed = _Timed(run, request, max_in_flight)
    pending: set[asyncio.Task[None]] = set()
    for n in range(count):
        due = run.scheduled(n)
        ahead = due - time.perf_counter()
        if ahead > 0:
            # the loop's timers are coarse (uvloop: 1 ms): whatever is due by the time it wakes
            # goes out at once, so the schedule never drifts, and the lateness is in the latency
            await asyncio.sleep(ahead)
        run.lag_us.record_value(max(1, round((time.perf_counter() - due) * 1e6)))
        task = asyncio.create_task(timed(n, due))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    return run


async def closed_loop(concurrency: int, count: int, request: Request) -> Run:
    """``count`` requests from ``concurrency`` clients, each sending its next as soon as it has
    an answer; ``run.throughput`` is the saturation figure."""
    run = Run(offered=None, began=time.perf_counter())
    timed = _Timed(run, request, concurrency)
    remaining = iter(range(count))

    async def client() -> None:
        for n in remaining:
            await timed(n, time.perf_counter())

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return run
