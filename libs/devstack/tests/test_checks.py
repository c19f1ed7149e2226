"""`make test` type-checks and measures the coverage of every package of the workspace: a new
library or service is seen by both without anyone remembering to add it."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())


def source_dirs() -> set[Path]:
    """The src folder of every workspace member (each holds part of the `atelier` namespace)."""
    members = CONFIG["tool"]["uv"]["workspace"]["members"]
    found = {member / "src" for pattern in members for member in ROOT.glob(pattern)}
    assert found and all((src / "atelier").is_dir() for src in found)
    return found


def test_mypy_finds_every_package_of_the_workspace() -> None:
    mypy = CONFIG["tool"]["mypy"]
    assert {ROOT / path for path in mypy["mypy_path"]} == source_dirs()
    checked = {path for pattern in mypy["files"] for path in ROOT.glob(pattern)}
    assert checked == source_dirs()


def test_coverage_measures_every_package_of_the_workspace_and_its_processes() -> None:
    run = CONFIG["tool"]["coverage"]["run"]
    measured = {path for pattern in run["source"] for path in ROOT.glob(pattern)}
    assert measured == source_dirs()
    # the e2e tests start each service as a process and stop it with SIGTERM
    assert run["patch"] == ["subprocess"] and run["sigterm"] is True
