"""``make bench``: the slice through the gateway, every service its own process, on this machine.

Prints p50/p95/p99 and throughput of validation (one zone, and a three-zone product with
auto-fit) and of snapshot creation at a fixed concurrency; of the one-zone validation sent
straight to the personalization service over NATS (the same path without HTTP and gateway);
the snapshot-to-preview-ready time (from the snapshot's 201 to the render service's completion
event) both for a lone shopper and under the snapshot load; and the typesetting engine's
throughput. Writes the same figures to ``var/bench/latest.json``. A benchmark, not a test:
nothing here passes or fails on time.
"""

import asyncio
import itertools
import json
import os
import platform
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import uvloop

from atelier.contracts import Envelope, RpcReply
from atelier.contracts.catalog import VALIDATE_DESIGN
from atelier.contracts.personalization import ValidateDesign, ValidationResult
from atelier.devstack.demo import ORIGIN
from atelier.e2e.loadgen import LoadClient
from atelier.e2e.system import System, running_system
from atelier.kit.broker import namespaced
from atelier.kit.testing.plugin import NATS, create_database, drop_database, unique
from atelier.typeset.bench import lines_per_second

CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
VALIDATIONS = int(os.environ.get("BENCH_VALIDATIONS", "10000"))  # ~5 s a figure: steadier
SNAPSHOTS = int(os.environ.get("BENCH_SNAPSHOTS", "600"))
LONE_SNAPSHOTS = int(os.environ.get("BENCH_LONE_SNAPSHOTS", "100"))
WARMUP = 100
OUT = Path("var/bench/latest.json")
# One address and one key send the whole load: the rate limits are raised out of its way (their
# buckets are still checked on every request, so their cost is measured).
LIMITS = {f"ATELIER_GATEWAY_{name}": "1000000000" for name in (
    "RATE_PER_ADDRESS_PER_S", "BURST_PER_ADDRESS", "RATE_PER_KEY_PER_S", "BURST_PER_KEY")}


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def load(
    concurrency: int, total: int, request: Callable[[int, int], Awaitable[None]]
) -> tuple[list[float], float]:
    """``total`` requests from ``concurrency`` clients in a closed loop (each sends its next
    request as soon as it has the answer); ``request(client, n)`` gets the client's number and a
    number never used before in this run. Latencies in ms, and the elapsed seconds."""
    latencies: list[float] = []
    remaining = iter(range(total))

    async def client(number: int) -> None:
        for _ in remaining:
            start = time.perf_counter()
            await request(number, next(_UNIQUE))
            latencies.append((time.perf_counter() - start) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(client(number) for number in range(concurrency)))
    return latencies, time.perf_counter() - began


_UNIQUE = itertools.count()
# Each shopper of the three-zone benchmark keeps their own date and dedication and edits the
# title, as a widget sends every zone on every keystroke.
_NAMES = ["Ada", "Charles", "Grace", "Alan", "Emmy", "Kurt", "Sofia", "Henri", "Marie", "Niels",
          "Lise", "Paul", "Rosalind", "James", "Dorothy", "Claude", "Barbara", "John", "Hedy",
          "Edsger", "Frances", "Donald", "Katherine", "Tim", "Radia", "Linus", "Margaret",
          "Dennis", "Shafi", "Leslie", "Jean", "Ken"]


def frame_values(shopper: int, n: int) -> dict[str, str]:
    partner = _NAMES[(shopper + 7) % len(_NAMES)]
    return {"title": f"Our day {n}", "date": f"{shopper % 28 + 1:02d}.06.2026",
            "dedication": f"With love, {_NAMES[shopper % len(_NAMES)]} & {partner}"}


class Completions:
    """Render completion events by snapshot id, to time snapshot-to-preview-ready."""

    def __init__(self) -> None:
        self.completed_at: dict[str, float] = {}
        self.created_at: dict[str, float] = {}
        self.events: dict[str, asyncio.Event] = {}

    def _event(self, snapshot_id: str) -> asyncio.Event:
        return self.events.setdefault(snapshot_id, asyncio.Event())

    async def on_completed(self, msg: Any) -> None:
        snapshot_id = json.loads(msg.data)["data"].get("snapshot_id")
        if snapshot_id and snapshot_id not in self.completed_at:
            self.completed_at[snapshot_id] = time.perf_counter()
            self._event(snapshot_id).set()

    async def created(self, snapshot_id: str, within_s: float) -> None:
        """Note the 201 and wait for the preview (the event may even have come first)."""
        self.created_at[snapshot_id] = time.perf_counter()
        async with asyncio.timeout(within_s):
            await self._event(snapshot_id).wait()

    def ready_ms(self) -> list[float]:
        return [max(self.completed_at[i] - t, 0.0) * 1000
                for i, t in self.created_at.items() if i in self.completed_at]


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


async def personalization_alone(
    nc: nats.NATS, namespace: str, brand_id: str, product_id: str, figures: Figures
) -> None:
    """The one-zone validation sent straight to the personalization service over NATS, as the
    gateway sends it, without HTTP: what the gateway's part of the path costs is the difference
    from the ``validate`` figure (an upper bound for any gateway, however fast)."""
    subject = namespaced(namespace, VALIDATE_DESIGN.subject)
    reply = RpcReply[ValidationResult]

    async def validate(_: int, n: int) -> None:
        envelope = Envelope[ValidateDesign](
            type=VALIDATE_DESIGN.type, producer="bench", brand_id=brand_id,
            data=ValidateDesign(product_id=product_id, values={"name": f"Ada {n}"}))
        answer = await nc.request(subject, envelope.model_dump_json().encode(), timeout=10)
        assert reply.model_validate_json(answer.data).ok, answer.data

    await load(CONCURRENCY, WARMUP, validate)
    samples, seconds = await load(CONCURRENCY, VALIDATIONS, validate)
    figures.latency("validate.personalization_alone", samples, seconds, concurrency=CONCURRENCY,
                    requests=VALIDATIONS, zones=1,
                    path="NATS request/reply straight to personalization: no HTTP, no gateway")


async def bench(system: System, figures: Figures) -> None:
    demo = await system.new_brand()
    headers = {"X-Atelier-Key": demo.publishable_key, "Origin": ORIGIN}
    async with LoadClient.open(system.gateway_url, CONCURRENCY, headers) as widget:

        async def post(path: str, body: dict, status: int) -> dict:
            answered, answer = await widget.post(path, body)
            assert answered == status, answer
            return answer

        # every value is new: nothing the services remember between requests flatters a figure
        async def validate(_: int, n: int) -> None:
            body = {"product_id": demo.product_id, "values": {"name": f"Ada {n}"}}
            await post("/v1/personalization/validate", body, 200)

        await load(CONCURRENCY, WARMUP, validate)
        samples, seconds = await load(CONCURRENCY, VALIDATIONS, validate)
        figures.latency("validate", samples, seconds, concurrency=CONCURRENCY,
                        requests=VALIDATIONS, zones=1)

        async def validate_frame(shopper: int, n: int) -> None:
            answer = await post("/v1/personalization/validate",
                                {"product_id": demo.frame_id, "values": frame_values(shopper, n)},
                                200)
            assert answer["valid"], answer

        await load(CONCURRENCY, WARMUP, validate_frame)
        samples, seconds = await load(CONCURRENCY, VALIDATIONS, validate_frame)
        figures.latency("validate_autofit_3_zones", samples, seconds, concurrency=CONCURRENCY,
                        requests=VALIDATIONS, zones=3, autofit=True,
                        values="each shopper edits the title; date and dedication stay")

        nc = await nats.connect(system.stack.base_env["ATELIER_NATS_URL"])
        await personalization_alone(nc, system.namespace, demo.brand_id, demo.product_id, figures)

        completions = Completions()
        await nc.subscribe(namespaced(system.namespace, "evt.render.render.completed"),
                           cb=completions.on_completed)

        async def lone_snapshot(_: int, n: int) -> None:  # one shopper: the pipeline's latency
            body = {"product_id": demo.product_id, "values": {"name": f"Solo {n}"}}
            created = await post("/v1/snapshots", body, 201)
            await completions.created(created["id"], within_s=30)

        await load(1, LONE_SNAPSHOTS, lone_snapshot)
        lone = completions.ready_ms()
        note = {"concurrency": 1, "snapshots": len(lone), "render_replicas": 1,
                "measured": "snapshot 201 to render.completed event, one shopper at a time"}
        figures.add("preview_ready.alone.p50", percentile(lone, 50), "ms", **note)
        figures.add("preview_ready.alone.p95", percentile(lone, 95), "ms", **note)

        completions = Completions()
        await nc.subscribe(namespaced(system.namespace, "evt.render.render.completed"),
                           cb=completions.on_completed)
        waits: list[asyncio.Task] = []

        async def snapshot(_: int, n: int) -> None:
            body = {"product_id": demo.product_id, "values": {"name": f"Bench {n}"}}
            created = await post("/v1/snapshots", body, 201)
            waits.append(asyncio.create_task(completions.created(created["id"], within_s=120)))

        samples, seconds = await load(CONCURRENCY, SNAPSHOTS, snapshot)
        figures.latency("snapshot.create", samples, seconds, concurrency=CONCURRENCY,
                        requests=SNAPSHOTS, distinct_designs=True)
        await asyncio.gather(*waits, return_exceptions=True)
        await nc.close()
        ready = completions.ready_ms()
        note = {"concurrency": CONCURRENCY, "snapshots": SNAPSHOTS,
                "previews_ready": len(ready), "render_replicas": 1,
                "measured": "snapshot 201 to render.completed event, under the snapshot load"}
        figures.add("preview_ready.under_load.p50", percentile(ready, 50), "ms", **note)
        figures.add("preview_ready.under_load.p95", percentile(ready, 95), "ms", **note)


async def main() -> None:
    conditions = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "python": platform.python_version(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "path": "HTTP client -> gateway -> NATS rpc/JetStream -> services, all local processes",
        "client": "atelier.e2e.loadgen: keep-alive HTTP/1.1, closed loop, on the same 2 cores",
        "rate_limits": "raised out of the way, still checked",
    }
    figures = Figures(conditions)
    print("Typesetting engine (this process, one core):", flush=True)
    figures.add("typeset.lines_per_second", lines_per_second(), "lines/s",
                font="dejavu-sans", scripts="Latin, Greek, Hebrew, Arabic, mixed")
    name = unique("atelier_bench_")
    database_url = await create_database(name)
    workdir = Path("var/bench") / name
    try:
        print(f"Starting every service (logs in {workdir}/log)…", flush=True)
        async with running_system(database_url, NATS, workdir, {"gateway": LIMITS}) as system:
            print(f"Benchmark: {CONCURRENCY} concurrent clients", flush=True)
            await bench(system, figures)
    finally:
        await drop_database(name)
    write(figures.rows)


def write(rows: list[dict[str, Any]]) -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"Wrote {OUT}")


if __name__ == "__main__":
    sys.exit(uvloop.run(main()))  # the services run on uvloop too; the generator costs less
