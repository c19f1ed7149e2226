"""The Kubernetes manifests under deploy/ as the tests read them (no cluster here)."""

from pathlib import Path
from typing import Any

import yaml


def load_all(path: Path) -> list[dict[str, Any]]:
    """The documents of a file, or of a directory's kustomization (its own files: the render
    pools that patch them are rendered by kubectl, in test_packaging)."""
    if path.is_dir():
        kustomization = yaml.safe_load((path / "kustomization.yaml").read_text())
        return [doc for resource in kustomization["resources"]
                if (path / resource).is_file() for doc in load_all(path / resource)]
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
