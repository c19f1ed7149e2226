"""The workers scale on their own: KEDA watches the very consumer the workers pull export jobs
from, on the stream that holds them."""

from pathlib import Path

import yaml

from atelier.contracts.catalog import MANUFACTURING_EXPORT, stream_for
from atelier.manufacturing.subscribers import EXPORT_CONSUMER

DEPLOY = Path(__file__).parents[3] / "deploy" / "base"


def test_keda_scales_the_workers_on_the_export_consumers_lag() -> None:
    objects = list(yaml.safe_load_all((DEPLOY / "keda.yaml").read_text()))
    [scaled] = [o for o in objects if o["metadata"]["name"] == "manufacturing"]
    [trigger] = scaled["spec"]["triggers"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == "manufacturing"
    assert trigger["type"] == "nats-jetstream"
    assert trigger["metadata"]["stream"] == stream_for(MANUFACTURING_EXPORT.subject).name
    assert trigger["metadata"]["consumer"] == f"manufacturing-{EXPORT_CONSUMER}"
    deployments = list(yaml.safe_load_all(
        (DEPLOY / "services" / "manufacturing.yaml").read_text()))
    assert any(d["kind"] == "Deployment" and d["metadata"]["name"] == "manufacturing"
               for d in deployments)
