"""``make bench``: the slice through the gateway, every service its own process, on this machine.

Prints p50/p95/p99 and throughput of validation and snapshot creation at a fixed concurrency,
and the p95 of snapshot-to-preview-ready (from the snapshot's 201 to the render service's
completion event), and writes the same figures to ``var/bench/latest.json``. A benchmark, not a
test: nothing here passes or fails on time.
"""

import asyncio
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import nats

from atelier.devstack.demo import ORIGIN
from atelier.e2e.system import System, running_system
from atelier.kit.broker import namespaced
from atelier.kit.testing.plugin import NATS, create_database, drop_database, unique

CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
VALIDATIONS = int(os.environ.get("BENCH_VALIDATIONS", "3000"))
SNAPSHOTS = int(os.environ.get("BENCH_SNAPSHOTS", "600"))
WARMUP = 100
OUT = Path("var/bench/latest.json")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def load(
    concurrency: int, total: int, request: Callable[[int], Awaitable[None]]
) -> tuple[list[float], float]:
    """``total`` requests from ``concurrency`` clients in a closed loop; latencies in ms."""
    latencies: list[float] = []
    counter = iter(range(total))

    async def client() -> None:
        for i in counter:
            start = time.perf_counter()
            await request(i)
            latencies.append((time.perf_counter() - start) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, time.perf_counter() - began


class Figures:
    def __init__(self, conditions: dict[str, Any]) -> None:
        self.conditions = conditions
        self.rows: list[dict[str, Any]] = []

    def add(self, name: str, value: float, unit: str, **conditions: Any) -> None:
        self.rows.append({"name": name, "value": round(value, 3), "unit": unit,
                          "conditions": {**self.conditions, **conditions}})
        print(f"  {name:<40} {value:>10.2f} {unit}", flush=True)

    def latency(self, name: str, samples: list[float], seconds: float, **conditions: Any) -> None:
        for p in (50, 95, 99):
            self.add(f"{name}.p{p}", percentile(samples, p), "ms", **conditions)
        self.add(f"{name}.throughput", len(samples) / seconds, "req/s", **conditions)


async def bench(system: System, figures: Figures) -> None:
    demo = await system.new_brand()
    # aiohttp rather than httpx: the load generator shares the 2 cores with the system under test,
    # and httpx spends several times more CPU per request
    headers = {"X-Atelier-Key": demo.publishable_key, "Origin": ORIGIN}
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(system.gateway_url, headers=headers,
                                     connector=connector) as widget:

        async def post(path: str, body: dict, status: int) -> dict:
            async with widget.post(path, json=body) as response:
                answer = await response.json(content_type=None)
                assert response.status == status, answer
                return answer

        async def validate(i: int) -> None:
            body = {"product_id": demo.product_id, "values": {"name": f"Ada {i % 500}"}}
            await post("/v1/personalization/validate", body, 200)

        await load(CONCURRENCY, WARMUP, validate)
        samples, seconds = await load(CONCURRENCY, VALIDATIONS, validate)
        figures.latency("validate", samples, seconds, concurrency=CONCURRENCY,
                        requests=VALIDATIONS)

        created_at: dict[str, float] = {}
        ready_ms: dict[str, float] = {}
        nc = await nats.connect(system.stack.base_env["ATELIER_NATS_URL"])

        async def on_completed(msg: Any) -> None:
            snapshot_id = json.loads(msg.data)["data"].get("snapshot_id")
            now = time.perf_counter()
            if snapshot_id in created_at and snapshot_id not in ready_ms:
                ready_ms[snapshot_id] = (now - created_at[snapshot_id]) * 1000

        await nc.subscribe(namespaced(system.namespace, "evt.render.render.completed"),
                           cb=on_completed)
        run = unique("")

        async def snapshot(i: int) -> None:
            body = {"product_id": demo.product_id, "values": {"name": f"Bench {run[:6]} {i}"}}
            created = await post("/v1/snapshots", body, 201)
            created_at[created["id"]] = time.perf_counter()

        samples, seconds = await load(CONCURRENCY, SNAPSHOTS, snapshot)
        figures.latency("snapshot.create", samples, seconds, concurrency=CONCURRENCY,
                        requests=SNAPSHOTS, distinct_designs=True)
        deadline = time.perf_counter() + 120
        while len(ready_ms) < len(created_at) and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
        await nc.close()
        ready = list(ready_ms.values())
        note = {"concurrency": CONCURRENCY, "snapshots": len(created_at),
                "previews_ready": len(ready), "render_replicas": 1,
                "measured": "snapshot 201 to render.completed event, under the snapshot load"}
        figures.add("preview_ready.p50", percentile(ready, 50), "ms", **note)
        figures.add("preview_ready.p95", percentile(ready, 95), "ms", **note)


async def main() -> None:
    conditions = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "python": platform.python_version(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "path": "HTTP client -> gateway -> NATS rpc/JetStream -> services, all local processes",
    }
    figures = Figures(conditions)
    name = unique("atelier_bench_")
    database_url = await create_database(name)
    workdir = Path("var/bench") / name
    try:
        print(f"Starting every service (logs in {workdir}/log)…", flush=True)
        async with running_system(database_url, NATS, workdir) as system:
            print(f"Benchmark: {CONCURRENCY} concurrent clients", flush=True)
            await bench(system, figures)
    finally:
        await drop_database(name)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures.rows, indent=2) + "\n")
    print(f"Wrote {OUT}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
