"""deploy/prometheus, deploy/grafana, deploy/otel and compose's telemetry agree with the code.

Every metric and label that an alert or a dashboard names is one the services export (their real
registries, built here as the services build them), every service is scraped at its port in
compose and found by its pod's annotations in Kubernetes, and traces go from every service to the
collector and from there to Jaeger. No Prometheus, Grafana or collector runs here: these check
names and structure (`promtool check rules deploy/prometheus/alerts.yml` checks the syntax).
"""

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from prometheus_client import CollectorRegistry

from atelier.contracts.catalog import SERVICES
from atelier.devstack.stack import DEFAULT_OPS_PORTS, DEFAULT_PORTS
from atelier.gateway.app import rate_limits
from atelier.gateway.settings import GatewaySettings
from atelier.kit.broker import create_broker
from atelier.kit.settings import settings_class
from atelier.kit.telemetry import Metrics

from .manifests import load_all

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
GRAFANA = DEPLOY / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "atelier-overview.json"
COMPOSE_JOB, KUBERNETES_JOB = "atelier", "atelier-kubernetes"
SEVERITIES = {"critical", "warning", "info"}




def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


# --- what the services export ----------------------------------------------------------------
SAMPLE_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
}


def exported_series(registry: CollectorRegistry) -> dict[str, frozenset[str]]:
    """Each sample name a registry exposes (``_total``, ``_bucket``… included) -> its labels,
    whether or not a labelled family has children yet."""
    series: dict[str, frozenset[str]] = {}
    # prometheus_client has no public way to list families and their label names before the
    # first child exists; these two attributes have been there since its first releases
    for collector in list(registry._collector_to_names):
        labels = frozenset(collector._labelnames)  # type: ignore[attr-defined]
        for family in collector.describe():  # type: ignore[attr-defined]
            assert family.type in SAMPLE_SUFFIXES, f"{family.name}: a {family.type}, new here"
            for suffix in SAMPLE_SUFFIXES[family.type]:
                series[family.name + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return series


@cache
def service_series() -> dict[str, dict[str, frozenset[str]]]:
    """What each service's /metrics serves: the kit's metrics, FastStream's middleware (which
    create_broker installs on the same registry) and, on the gateway, its rate-limit counter."""
    found = {}
    for service in SERVICES:
        metrics = Metrics(service)
        create_broker(settings_class(service)(), metrics)
        if service == "gateway":
            rate_limits(SimpleNamespace(metrics=metrics), GatewaySettings())  # type: ignore[arg-type]
        found[service] = exported_series(metrics.registry)
    return found


@cache
def all_series() -> dict[str, frozenset[str]]:
    """Every service's series, and Prometheus's own ``up`` of every target."""
    merged: dict[str, frozenset[str]] = {"up": frozenset()}
    for series in service_series().values():
        for name, labels in series.items():
            merged[name] = merged.get(name, frozenset()) | labels
    return merged


# --- names and labels in PromQL ---------------------------------------------------------------
STRING = re.compile(r'"(?:[^"\\]|\\.)*"' r"|'(?:[^'\\]|\\.)*'")
SELECTOR = re.compile(r"([A-Za-z_:][\w:]*)?\s*\{([^{}]*)\}")
MATCHER = re.compile(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)")
GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)")
RANGE = re.compile(r"\[[^\]]*\]")
OFFSET = re.compile(r"\boffset\s+-?[\w$]+")
IDENTIFIER = re.compile(r"(?<![\w.:$])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()")  # not a function
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
            "offset", "bool", "inf", "nan"}
LABEL_VALUES = re.compile(r"^\s*label_values\((.*),\s*([A-Za-z_]\w*)\s*\)\s*$", re.S)


@dataclass
class Query:
    metrics: set[str] = field(default_factory=set)
    selectors: list[tuple[str, set[str]]] = field(default_factory=list)  # metric, its matchers
    grouping: set[str] = field(default_factory=set)  # by/without/on/ignoring labels


def parse(expr: str) -> Query:
    """The metric names, matcher labels and grouping labels of a PromQL expression."""
    query = Query()
    text = STRING.sub('""', expr)
    for match in SELECTOR.finditer(text):
        query.selectors.append((match.group(1) or "", set(MATCHER.findall(match.group(2)))))
    text = SELECTOR.sub(lambda m: f" {m.group(1) or ''} ", text)
    for match in GROUPING.finditer(text):
        query.grouping |= {label.strip() for label in match.group(1).split(",") if label.strip()}
    text = OFFSET.sub(" ", RANGE.sub(" ", GROUPING.sub(" ", text)))
    query.metrics = {name for name in IDENTIFIER.findall(text) if name.lower() not in KEYWORDS}
    return query


def problems(expr: str, series: dict[str, frozenset[str]], target_labels: set[str]) -> list[str]:
    """What in ``expr`` no exported series has: unknown metrics, unknown labels."""
    query = parse(expr)
    found = [f"unknown metric {name}" for name in sorted(query.metrics) if name not in series]
    known = set(target_labels).union(*(series.get(name, ()) for name in query.metrics))
    for name, labels in query.selectors:
        allowed = (set(series.get(name, ())) | target_labels) if name else known
        if not name or name in series:
            found += [f"{name} has no label {label}" for label in sorted(labels - allowed)]
    found += [f"no metric here has label {label}" for label in sorted(query.grouping - known)]
    return found


def test_the_query_checker_catches_unknown_metrics_and_labels() -> None:
    series = {"x_total": frozenset({"a"}), "h_bucket": frozenset({"a", "le"}), "up": frozenset()}
    target = {"job", "instance", "service"}
    good = [
        'sum by (service, a) (rate(x_total{a=~"1|2", service="$s"}[$__rate_interval])) > 0.5',
        "histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m]))) > 1e3",
        "x_total unless x_total offset 15m or on (service) up{job!=''} == 0",
        'sum without (a) (x_total) and ignoring(job) up{instance="x{y}"}',
    ]
    for expr in good:
        assert problems(expr, series, target) == [], expr
    assert problems("rate(x[5m]) + rate(h_bucket[5m])", series, target) == ["unknown metric x"]
    assert problems("histogram_quantile(0.9, rate(h[5m]))", series, target) == [
        "unknown metric h"]
    assert problems('sum by (b) (rate(x_total{c="1", a="2"}[5m]))', series, target) == [
        "x_total has no label c", "no metric here has label b"]
    assert problems('sum by (a) (up{le="1"})', series, target) == [
        "up has no label le", "no metric here has label a"]


def test_the_registries_hold_the_kit_faststream_and_gateway_series() -> None:
    series = all_series()
    assert series["atelier_http_requests_total"] == {"method", "route", "status"}
    assert series["atelier_rpc_duration_seconds_bucket"] == {"subject", "outcome", "le"}
    assert "atelier_rate_limited_total" in service_series()["gateway"]
    assert "atelier_rate_limited_total" not in service_series()["spec"]
    assert "faststream_received_processed_messages_total" in series
    assert "atelier_http_requests" not in series  # the family name is not a sample


# --- scrape configuration ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load(ROOT / "compose.yaml")


def scrape_job(path: Path, name: str) -> dict[str, Any]:
    jobs = {job["job_name"]: job for job in load(path)["scrape_configs"]}
    return jobs[name]


def target_labels(job: dict[str, Any]) -> set[str]:
    """The labels every target of a scrape job carries besides what the service exports."""
    labels = {"job", "instance"}
    statics = [set(static.get("labels", {})) for static in job.get("static_configs", [])]
    labels |= set.intersection(*statics) if statics else set()
    for rule in job.get("relabel_configs", []):
        target = rule.get("target_label", "")
        if target and not target.startswith("__"):
            labels.add(target)
    return labels


@cache
def shared_target_labels() -> set[str]:
    """Labels on Atelier's targets in compose and in Kubernetes: what alerts and dashboards may
    use beside the exported ones."""
    return target_labels(scrape_job(PROMETHEUS / "prometheus.yml", COMPOSE_JOB)) & target_labels(
        scrape_job(PROMETHEUS / "kubernetes.yml", KUBERNETES_JOB))


def test_both_scrape_configs_load_the_alert_rules_and_label_the_service() -> None:
    for name in ("prometheus.yml", "kubernetes.yml"):
        config = load(PROMETHEUS / name)
        assert config["rule_files"] == ["alerts.yml"], name
        jobs = [job["job_name"] for job in config["scrape_configs"]]
        assert len(jobs) == len(set(jobs)), name
    assert shared_target_labels() == {"job", "instance", "service"}


def test_compose_job_scrapes_every_service_at_its_port(compose) -> None:
    job = scrape_job(PROMETHEUS / "prometheus.yml", COMPOSE_JOB)
    assert job.get("metrics_path", "/metrics") == "/metrics"
    scraped = {target: static["labels"]["service"]
               for static in job["static_configs"] for target in static["targets"]}
    # the ops port of the services that have one, where /metrics is
    assert scraped == {f"{name}:{DEFAULT_OPS_PORTS.get(name, DEFAULT_PORTS[name])}": name
                       for name in SERVICES}
    for name in SERVICES:  # the compose service answers there: its settings' default port
        environment = compose["services"][name]["environment"]
        assert not {"ATELIER_HTTP_PORT", f"ATELIER_{name.upper()}_HTTP_PORT"} & set(environment)
        assert not {"ATELIER_OPS_PORT", f"ATELIER_{name.upper()}_OPS_PORT"} & set(environment)
        assert settings_class(name)().http_port == DEFAULT_PORTS[name]


def relabel(rules: list[dict[str, Any]], labels: dict[str, str]) -> dict[str, str] | None:
    """Prometheus's keep, drop and replace relabelling (None: the target is dropped)."""
    labels = dict(labels)
    for rule in rules:
        action = rule.get("action", "replace")
        value = rule.get("separator", ";").join(labels.get(s, "") for s in rule["source_labels"])
        match = re.fullmatch(rule.get("regex", "(.*)"), value)
        if action == "keep" and not match or action == "drop" and match:
            return None
        if action == "replace" and match:
            replacement = re.sub(r"\$\{?(\d+)\}?", r"\\\1", rule.get("replacement", "$1"))
            result = match.expand(replacement)
            if result:
                labels[rule["target_label"]] = result
            else:
                labels.pop(rule["target_label"], None)
        assert action in {"keep", "drop", "replace"}, action
    return labels


def pod_meta_labels(pod: dict[str, Any], port: int, name: str) -> dict[str, str]:
    """The labels Kubernetes pod discovery gives a pod template's pod (one declared port)."""
    meta = pod["metadata"]
    labels = {"__address__": f"10.1.2.3:{port}", "__meta_kubernetes_namespace": "atelier",
              "__meta_kubernetes_pod_name": f"{name}-5d9c7-x2x4z",
              "__meta_kubernetes_pod_phase": "Running", "__metrics_path__": "/metrics"}
    for kind, values in (("annotation", meta.get("annotations", {})),
                         ("label", meta.get("labels", {}))):
        for key, value in values.items():
            labels[f"__meta_kubernetes_pod_{kind}_{re.sub(r'[^A-Za-z0-9_]', '_', key)}"] = value
    return labels


def test_kubernetes_job_finds_every_service_pod_by_what_the_manifests_carry() -> None:
    job = scrape_job(PROMETHEUS / "kubernetes.yml", KUBERNETES_JOB)
    assert job["kubernetes_sd_configs"] == [{"role": "pod"}]
    rules = job["relabel_configs"]
    sources = {s for rule in rules for s in rule.get("source_labels", [])}
    assert "__meta_kubernetes_pod_annotation_prometheus_io_scrape" in sources
    assert "__meta_kubernetes_pod_annotation_prometheus_io_port" in sources
    base = load(DEPLOY / "base" / "kustomization.yaml")
    docs = [doc for resource in base["resources"] for doc in load_all(DEPLOY / "base" / resource)]
    pods = {(doc["kind"], doc["metadata"]["name"]): doc["spec"]["template"]
            for doc in docs if doc["kind"] in ("Deployment", "Job")}
    for name in SERVICES:
        pod = pods[("Deployment", name)]
        annotations = pod["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/path"] == "/metrics"
        # discovery offers every declared port; whichever it is, the annotation's port wins
        target = relabel(rules, pod_meta_labels(pod, 9999, name))
        assert target is not None, f"{name}'s pods are not scraped"
        port = DEFAULT_OPS_PORTS.get(name, DEFAULT_PORTS[name])
        assert target["__address__"] == f"10.1.2.3:{port}"
        assert (target["__metrics_path__"], target["service"]) == ("/metrics", name)
        assert relabel(rules, pod_meta_labels(pods[("Job", f"{name}-setup")], 1, name)) is None
    other = {"metadata": {"annotations": {"prometheus.io/scrape": "true",
                                          "prometheus.io/port": "7777"},
                          "labels": {"app.kubernetes.io/name": "nats",
                                     "app.kubernetes.io/component": "service"}}}
    assert relabel(rules, pod_meta_labels(other, 7777, "nats")) is None


# --- alert rules ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def alert_rules() -> list[dict[str, Any]]:
    groups = load(PROMETHEUS / "alerts.yml")["groups"]
    names = [group["name"] for group in groups]
    assert names and len(names) == len(set(names))
    assert all(group["rules"] for group in groups)
    return [rule for group in groups for rule in group["rules"]]


def test_alert_rules_have_the_structure_prometheus_requires(alert_rules) -> None:
    names = [rule["alert"] for rule in alert_rules]
    assert len(names) == len(set(names))
    for rule in alert_rules:
        name = rule["alert"]
        assert set(rule) <= {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)
        assert isinstance(rule["expr"], str) and rule["expr"].strip(), name
        assert re.fullmatch(r"(\d+(ms|s|m|h|d|w|y))+", rule["for"]), name
        assert rule["labels"]["severity"] in SEVERITIES, name
        for text in (rule["annotations"]["summary"], rule["annotations"]["description"]):
            assert isinstance(text, str) and text.strip(), name
            assert text.count("{{") == text.count("}}"), name


def test_alert_expressions_use_only_exported_metrics_and_labels(alert_rules) -> None:
    for rule in alert_rules:
        assert problems(rule["expr"], all_series(), shared_target_labels()) == [], rule["alert"]


def test_alerts_cover_what_the_on_call_must_know(alert_rules) -> None:
    by_metric: dict[str, list[dict[str, Any]]] = {}
    for rule in alert_rules:
        for name in parse(rule["expr"]).metrics:
            by_metric.setdefault(name, []).append(rule)
    for name in ("up", "atelier_http_requests_total",
                 "atelier_http_request_duration_seconds_bucket",
                 "atelier_rpc_duration_seconds_count", "atelier_rpc_duration_seconds_bucket",
                 "atelier_messages_dead_lettered_total", "atelier_outbox_lag_seconds_bucket",
                 "atelier_outbox_oldest_unpublished_age_seconds", "atelier_outbox_parked"):
        assert name in by_metric, f"no alert on {name}"
    for rule in by_metric["atelier_messages_dead_lettered_total"]:
        text = rule["annotations"]["description"]
        assert "dlq list" in text and "dlq replay" in text
    for rule in by_metric["atelier_outbox_parked"]:
        text = rule["annotations"]["description"]
        assert "dlq list" in text and "dlq retry-outbox" in text


# --- Grafana ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def datasource() -> dict[str, Any]:
    config = load(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")
    assert config["apiVersion"] == 1
    [source] = config["datasources"]
    return source


def test_grafana_reads_prometheus_and_the_dashboards_compose_mounts(compose, datasource) -> None:
    services = compose["services"]
    assert (datasource["type"], datasource["url"]) == ("prometheus", "http://prometheus:9090")
    assert "127.0.0.1:9090:9090" in services["prometheus"]["ports"]
    providers = load(GRAFANA / "provisioning" / "dashboards" / "atelier.yml")
    assert providers["apiVersion"] == 1
    [provider] = providers["providers"]
    assert provider["type"] == "file"
    grafana = services["grafana"]
    assert grafana["image"].startswith("grafana/grafana:")
    mounts = mounted(grafana)
    assert mounts["/etc/grafana/provisioning"] == GRAFANA / "provisioning"
    assert mounts[provider["options"]["path"]] == DASHBOARD.parent
    assert grafana["environment"]["GF_AUTH_ANONYMOUS_ENABLED"] == "true"
    assert grafana["environment"]["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
    assert "127.0.0.1:3000:3000" in grafana["ports"]


def dashboard_queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, PromQL) of every panel target and query variable."""
    queries = []
    for panel in dashboard["panels"]:
        queries += [(f"{panel['title']} {t['refId']}", t["expr"]) for t in panel.get("targets", [])]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]
            text = query["query"] if isinstance(query, dict) else query
            found = LABEL_VALUES.match(text)
            assert found, f"${variable['name']}: only label_values(<query>, <label>) is checked"
            inner, label = found.groups()
            queries.append((f"${variable['name']}", f"sum by ({label}) ({inner})"))
    return queries


def test_dashboard_panels_query_the_provisioned_prometheus(datasource) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["schemaVersion"] >= 36
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    panels = [panel for panel in dashboard["panels"] if panel["type"] != "row"]
    assert panels and {panel["type"] for panel in panels} == {"timeseries"}
    for panel in panels:
        assert panel["targets"], panel["title"]
        for source in (panel["datasource"], *(t["datasource"] for t in panel["targets"])):
            assert source == {"type": "prometheus", "uid": datasource["uid"]}, panel["title"]
        assert all(target["expr"].strip() for target in panel["targets"]), panel["title"]


def test_dashboard_queries_use_only_exported_metrics_and_labels() -> None:
    queries = dashboard_queries(json.loads(DASHBOARD.read_text()))
    for where, expr in queries:
        assert problems(expr, all_series(), shared_target_labels()) == [], where
    shown = set().union(*(parse(expr).metrics for _, expr in queries))
    for name in ("atelier_http_requests_total", "atelier_http_request_duration_seconds_bucket",
                 "atelier_rpc_duration_seconds_bucket", "atelier_outbox_published_total",
                 "atelier_outbox_lag_seconds_bucket", "atelier_messages_dead_lettered_total",
                 "atelier_rows_purged_total", "atelier_objects_purged_total",
                 "atelier_rate_limited_total",
                 "atelier_outbox_oldest_unpublished_age_seconds", "atelier_outbox_parked"):
        assert name in shown, f"no panel shows {name}"


# --- Prometheus, the collector and the services' OTLP endpoint in compose ----------------------
def mounted(container: dict[str, Any]) -> dict[str, Path]:
    """Container path -> repository path of a compose service's bind mounts."""
    mounts = {}
    for volume in container.get("volumes", []):
        source, target, *_ = volume.split(":")
        if source.startswith("./"):
            mounts[target] = ROOT / source
    return mounts


def test_prometheus_in_compose_loads_this_directory(compose) -> None:
    prometheus = compose["services"]["prometheus"]
    assert prometheus["image"].startswith("prom/prometheus:")
    [config] = [a.split("=", 1)[1] for a in prometheus["command"] if a.startswith("--config.file=")]
    directory, name = config.rsplit("/", 1)
    assert mounted(prometheus)[directory] == PROMETHEUS and (PROMETHEUS / name).is_file()
    for rule_file in load(PROMETHEUS / name)["rule_files"]:
        assert (PROMETHEUS / rule_file).is_file()


def collector_config() -> dict[str, Any]:
    return load(DEPLOY / "otel" / "collector.yaml")


def test_collector_pipelines_use_only_components_it_defines() -> None:
    config = collector_config()
    pipelines = config["service"]["pipelines"]
    assert "traces" in pipelines
    for name, pipeline in pipelines.items():
        assert re.fullmatch(r"(traces|metrics|logs)(/[\w.-]+)?", name)
        assert pipeline["receivers"] and pipeline["exporters"], name
        for kind in ("receivers", "processors", "exporters"):
            undefined = set(pipeline.get(kind, [])) - set(config.get(kind) or {})
            assert not undefined, f"{name} uses undefined {kind} {undefined}"
        if "memory_limiter" in pipeline.get("processors", []):
            assert pipeline["processors"][0] == "memory_limiter", name
    for extension in config["service"].get("extensions", []):
        assert extension in config["extensions"]


def test_services_send_traces_to_the_collector_and_it_to_jaeger(compose) -> None:
    services = compose["services"]
    config = collector_config()
    protocols = config["receivers"]["otlp"]["protocols"]
    http_port = int(protocols["http"]["endpoint"].rsplit(":", 1)[1])
    assert protocols["http"]["endpoint"].startswith("0.0.0.0:")  # reachable from other containers
    senders = {name for name, s in services.items()
               if "ATELIER_OTLP_ENDPOINT" in (s.get("environment") or {})}
    assert set(SERVICES) <= senders
    for name in senders:
        url = urlsplit(services[name]["environment"]["ATELIER_OTLP_ENDPOINT"])
        # the base URL: the kit's exporter adds /v1/traces itself
        assert (url.scheme, url.hostname, url.port, url.path) == (
            "http", "otel-collector", http_port, ""), name
    collector = services["otel-collector"]
    assert collector["image"].startswith("otel/opentelemetry-collector-contrib:")
    [path] = [a.split("=", 1)[1] for a in collector["command"] if a.startswith("--config=")]
    assert mounted(collector)[path] == DEPLOY / "otel" / "collector.yaml"
    exporters = config["service"]["pipelines"]["traces"]["exporters"]
    endpoints = [config["exporters"][e]["endpoint"] for e in exporters
                 if e.split("/")[0] in ("otlp", "otlphttp")]
    assert any(urlsplit(f"//{e.split('://')[-1]}").hostname == "jaeger" for e in endpoints)
    assert "jaeger" in services and "jaeger" in collector["depends_on"]
