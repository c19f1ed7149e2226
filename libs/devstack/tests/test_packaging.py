"""compose.yaml, deploy/ and the CI workflow describe every service and only files that exist.
(No Docker engine or cluster here: these check structure; kubectl renders the overlays.)"""

import base64
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from atelier.contracts.catalog import SERVICES
from atelier.devstack import nats_config
from atelier.devstack.stack import DEFAULT_OPS_PORTS, DEFAULT_PORTS

from .manifests import load_all

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"




@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_builds_every_service_from_its_dockerfile(compose) -> None:
    services = compose["services"]
    for name in SERVICES:
        for container in (name, f"{name}-setup"):
            build = services[container]["build"]
            assert build["context"] == "."
            assert (ROOT / build["dockerfile"]).is_file(), build["dockerfile"]
            assert build["dockerfile"] == f"services/{name}/Dockerfile"
            assert services[container]["environment"]["ATELIER_STORAGE_BACKEND"] == "s3"
        assert services[f"{name}-setup"]["command"] == ["python", "-m", f"atelier.{name}", "setup"]


def test_compose_starts_services_after_every_setup(compose) -> None:
    services = compose["services"]
    for name in SERVICES:
        needs = services[name]["depends_on"]
        for other in SERVICES:  # consumers bind to streams other services' setup declares
            assert needs[f"{other}-setup"] == {"condition": "service_completed_successfully"}
        assert needs["minio-init"] == {"condition": "service_completed_successfully"}
    assert services["gateway"]["ports"] == ["8000:8000"]
    assert {"nats", "postgres", "minio", "minio-init", "mailpit"} <= set(services)
    assert "-js" in services["nats"]["command"]


def test_compose_infrastructure_is_what_make_run_expects(compose) -> None:
    services = compose["services"]
    assert "127.0.0.1:4222:4222" in services["nats"]["ports"]
    assert "127.0.0.1:5432:5432" in services["postgres"]["ports"]
    assert services["postgres"]["environment"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"
    assert services["postgres"]["image"] == "postgres:16"


def test_compose_runs_nats_with_the_dev_accounts_and_a_user_per_service(compose) -> None:
    services = compose["services"]
    nats = services["nats"]
    assert nats["command"][:2] == ["-c", "/etc/nats/accounts.conf"]
    assert "./deploy/nats/dev.conf:/etc/nats/accounts.conf:ro" in nats["volumes"]
    passwords = nats["environment"]
    assert set(passwords) == {nats_config.password_variable(u) for u in nats_config.USERS}
    for name in SERVICES:
        for container, user in ((name, name), (f"{name}-setup", nats_config.ADMIN)):
            environment = services[container]["environment"]
            assert environment["ATELIER_NATS_USER"] == user
            assert environment["ATELIER_NATS_PASSWORD"] == (
                passwords[nats_config.password_variable(user)])


def test_deploy_base_has_deployment_service_and_setup_job_per_service() -> None:
    base = yaml.safe_load((DEPLOY / "base" / "kustomization.yaml").read_text())
    docs = [doc for resource in base["resources"] for doc in load_all(DEPLOY / "base" / resource)]
    by_kind: dict[str, dict[str, dict]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    assert set(by_kind["Deployment"]) == set(SERVICES)
    assert set(by_kind["Service"]) == set(SERVICES)
    assert set(by_kind["Job"]) == {f"{name}-setup" for name in SERVICES}
    for name in SERVICES:
        pod = by_kind["Deployment"][name]["spec"]["template"]
        container = pod["spec"]["containers"][0]
        port, ops_port = DEFAULT_PORTS[name], DEFAULT_OPS_PORTS.get(name)
        ports = [{"name": "http", "containerPort": port}]
        if ops_port is not None:  # probes and Prometheus reach it there, not on the public port
            ports.append({"name": "ops", "containerPort": ops_port})
            environment = {variable["name"]: variable["value"] for variable in container["env"]}
            assert environment[f"ATELIER_{name.upper()}_OPS_PORT"] == str(ops_port)
            assert environment["ATELIER_OPS_HOST"] == "0.0.0.0"
        assert container["ports"] == ports
        for probe, path in (("startupProbe", "/health/live"), ("livenessProbe", "/health/live"),
                            ("readinessProbe", "/health/ready")):
            assert container[probe]["httpGet"] == {"path": path, "port": ports[-1]["name"]}
        assert container["resources"]["requests"] and container["resources"]["limits"]
        scraped = ports[-1]["containerPort"]
        assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(scraped)
        assert f"127.0.0.1:{scraped}/health/live" in (
            ROOT / "services" / name / "Dockerfile").read_text()  # the image's own check
        assert {"configMapRef": {"name": "atelier-config"}} in container["envFrom"]
        assert {"secretRef": {"name": f"atelier-nats-{name}"}} in container["envFrom"]
        job = by_kind["Job"][f"{name}-setup"]["spec"]["template"]["spec"]["containers"][0]
        assert job["args"] == ["python", "-m", f"atelier.{name}", "setup"]
        assert {"secretRef": {"name": "atelier-nats-admin"}} in job["envFrom"]
        # the tables' owner migrates; the service's pods never hold its credentials
        owner = {"secretRef": {"name": "atelier-database-owner"}}
        assert job["envFrom"][-1] == owner and owner not in container["envFrom"]
    scaled = by_kind["ScaledObject"]
    # a render pool per kind (render-pools/ derive render-thumbnail, render-zone and render-3d
    # from the render Deployment), each scaled on its own kinds' consumers' lag
    assert set(scaled) == {"render", "render-thumbnail", "render-zone", "render-3d",
                           "manufacturing"}
    for name, consumers in (("render", ["render-mockup"]),
                            ("render-thumbnail", ["render-thumbnail"]),
                            ("render-zone", ["render-zone"]),
                            ("render-3d", ["render-glb", "render-usdz"])):
        triggers = scaled[name]["spec"]["triggers"]
        assert {t["type"] for t in triggers} == {"nats-jetstream"}
        assert [(t["metadata"]["stream"], t["metadata"]["consumer"]) for t in triggers] == [
            ("JOB_RENDER", consumer) for consumer in consumers]
    render_kinds = {e["name"]: e["value"] for e in by_kind["Deployment"]["render"]["spec"][
        "template"]["spec"]["containers"][0]["env"]}["ATELIER_RENDER_KINDS"]
    assert render_kinds == '["mockup"]'


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl renders the overlays")
@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_overlays_render(overlay: str) -> None:
    rendered = subprocess.run(["kubectl", "kustomize", str(DEPLOY / "overlays" / overlay)],
                              capture_output=True, text=True, check=True).stdout
    docs = [doc for doc in yaml.safe_load_all(rendered) if doc]
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    pools = {"render-thumbnail": '["thumbnail"]', "render-zone": '["zone"]',
             "render-3d": '["glb", "usdz"]'}
    assert set(deployments) == set(SERVICES) | set(pools)
    for name, kinds in pools.items():  # each its own pods, drawing its own kind
        pod = deployments[name]["spec"]["template"]
        environment = {e["name"]: e["value"] for e in pod["spec"]["containers"][0]["env"]}
        assert environment["ATELIER_RENDER_KINDS"] == kinds
        selector = deployments[name]["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod["metadata"]["labels"].items()
        assert not selector.items() <= deployments["render"]["spec"]["template"]["metadata"][
            "labels"].items()
    assert all(d["metadata"]["namespace"].startswith("atelier") for d in docs)
    images = {d["spec"]["template"]["spec"]["containers"][0]["image"]
              for d in deployments.values()}
    assert all(":" in image for image in images)  # every image has its overlay's tag
    scaled = [d for d in docs if d["kind"] == "ScaledObject"]
    assert {d["spec"]["triggers"][0]["metadata"]["account"] for d in scaled} == {
        nats_config.account(overlay)}  # the environment's NATS account
    if overlay == "dev":  # its Secrets, by the names the NATS chart's values read them
        secrets = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}
        for user in nats_config.USERS:
            data = secrets[nats_config.secret_name(user)]["data"]
            assert base64.b64decode(data["ATELIER_NATS_USER"]).decode() == user
            assert "ATELIER_NATS_PASSWORD" in data


def test_ci_runs_the_same_entry_point_with_postgres_and_jetstream() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    job = workflow["jobs"]["test"]
    assert job["services"]["postgres"]["image"] == "postgres:16"
    commands = [step.get("run", "") for step in job["steps"]]
    assert any("nats:2.10 -js" in c and "4222:4222" in c for c in commands)
    assert "bash .ci/run" in commands
    assert (ROOT / ".ci" / "run").is_file()
