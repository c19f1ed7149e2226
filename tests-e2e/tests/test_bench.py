"""``make bench-quick``: every step of the benchmark with tiny counts runs to the end and reports
every figure beside its target (the figures themselves are measurements, never asserted on)."""

import dataclasses
import json
from pathlib import Path

import pytest

from atelier.e2e import bench

pytestmark = pytest.mark.e2e

FIGURES = {
    "typeset.lines_per_second",
    "validate.1zone.offered_1000.p50", "validate.1zone.offered_1000.p99",
    "validate.3zone.offered_600.p99",
    "validate.1zone.saturation", "floor.saturation", "validate.1zone.floor_ratio",
    "floor.offered_1000.p99", "floor.offered_600.p99", "floor.offered_50.p95",
    "snapshot.offered_50.p95", "snapshot.saturation",
    "preview_ready.offered_10.p95",
    "preview_job.offered_20.p95", "render.mockup_per_s.1worker", "render.mockup_per_s.2workers",
    "render.mockup_per_s.scaling", "preview_ready.offered_30.p95",
    "fuzz.requests", "fuzz.server_errors",
    "widget.validate_keystroke.p95", "widget.script_gzip_kb", "widget.server_calls_per_20_keys",
}


# every step starts and stops workers, and the widget's starts Chromium: ~90 s here on a quiet
# machine
@pytest.mark.timeout(420)
async def test_the_quick_benchmark_reports_every_figure_beside_its_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "quick.json"

    await bench.main(dataclasses.replace(bench.QUICK, out=out))

    rows = {row["name"]: row for row in json.loads(out.read_text())}
    assert FIGURES <= set(rows)
    assert set(bench.TARGETS) <= set(rows)
    assert all(row["value"] > 0 for name, row in rows.items() if name != "fuzz.server_errors")
    assert all(row["conditions"].get("errors", 0) == 0 for row in rows.values())
    server_errors = rows["fuzz.server_errors"]
    assert (server_errors["value"], server_errors["target"]) == (0, "≤ 0")
    assert rows["fuzz.requests"]["conditions"]["conformance_failures"] == 0
    p99 = rows["validate.1zone.offered_1000.p99"]
    assert p99["unit"] == "ms" and p99["target"] == "≤ 10"
    assert {"loop": "open", "offered_per_s": 1000, "duration_s": bench.QUICK.seconds}.items() \
        <= p99["conditions"].items()
    assert p99["conditions"]["gauge_typeset_lines_per_s"] > 0
    assert rows["snapshot.saturation"]["conditions"]["loop"] == "closed"
    assert rows["preview_ready.offered_10.p95"]["conditions"]["previews_ready"] > 0
    assert rows["preview_ready.offered_30.p95"]["conditions"]["mockup_workers"] == 2
    assert rows["render.mockup_per_s.2workers"]["conditions"]["done"] == bench.QUICK.mockups
    assert rows["bundle.per_s.2workers"]["conditions"]["done"] == bench.QUICK.bundles
    assert rows["order.paid_to_bundle.p95"]["conditions"]["items"] == 2
    table = capsys.readouterr().out
    for name, (sense, limit) in bench.TARGETS.items():
        assert f"| {name} | " in table and f"| {sense} {limit:g}: " in table
    assert f"| validate.1zone.offered_1000.p99 | {p99['value']:.2f} ms | ≤ 10: " in table
