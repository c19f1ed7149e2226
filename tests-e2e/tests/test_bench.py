"""``make bench`` runs to the end and reports every figure: a smoke test with tiny counts (the
figures themselves are measurements, never asserted on)."""

import pytest

from atelier.e2e import bench
from atelier.e2e.system import System

pytestmark = pytest.mark.e2e


async def test_the_benchmark_reports_every_figure(system: System, monkeypatch) -> None:
    for name, value in {"CONCURRENCY": 2, "WARMUP": 2, "VALIDATIONS": 6, "SNAPSHOTS": 4,
                        "LONE_SNAPSHOTS": 2}.items():
        monkeypatch.setattr(bench, name, value)
    figures = bench.Figures({"machine": "test"})

    await bench.bench(system, figures)

    reported = {row["name"]: row for row in figures.rows}
    for name in ("validate", "validate_autofit_3_zones", "validate.personalization_alone",
                 "snapshot.create"):
        assert {f"{name}.p50", f"{name}.p95", f"{name}.p99", f"{name}.throughput"} <= set(reported)
    for name in ("preview_ready.alone", "preview_ready.under_load"):
        assert {f"{name}.p50", f"{name}.p95"} <= set(reported)
    assert all(row["value"] > 0 for row in figures.rows)
    alone = reported["validate.personalization_alone.p50"]["conditions"]
    assert alone["concurrency"] == 2 and alone["machine"] == "test"
