"""The committed public contract (proto-schemas/) is what the code generates: `make schemas`."""

from pathlib import Path

from atelier.devstack import schemas


def test_committed_schemas_match_the_code() -> None:
    changed = schemas.drift()
    assert not changed, f"proto-schemas/ is stale, run `make schemas`: {changed}"


def test_drift_is_detected(tmp_path: Path) -> None:
    schemas.write(tmp_path)
    assert schemas.drift(tmp_path) == []
    victim = tmp_path / "bus" / "evt.snapshot.snapshot.created.json"
    victim.write_text(victim.read_text().replace("snapshot_id", "snapshotId"))
    (tmp_path / "bus" / "evt.unknown.json").write_text("{}")
    assert schemas.drift(tmp_path) == ["bus/evt.snapshot.snapshot.created.json",
                                       "bus/evt.unknown.json"]
