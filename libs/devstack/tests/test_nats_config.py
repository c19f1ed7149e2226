"""deploy/nats/ is what the catalog and the services' consumers give (`make schemas`), and the
permissions are the narrow ones DESIGN §8 asks for. test_nats_permissions.py runs them."""

from pathlib import Path

import yaml

from atelier.contracts.catalog import MESSAGES
from atelier.devstack import nats_config
from atelier.devstack.nats_config import permissions


def test_committed_configuration_matches_the_code() -> None:
    changed = nats_config.drift()
    assert not changed, f"deploy/nats/ is stale, run `make schemas`: {changed}"


def test_drift_is_detected(tmp_path: Path) -> None:
    nats_config.write(tmp_path)
    assert nats_config.drift(tmp_path) == []
    victim = tmp_path / "prod.conf"
    victim.write_text(victim.read_text().replace('"dlq.render"', '"dlq.>"'))
    (tmp_path / "dev.conf").unlink()
    assert nats_config.drift(tmp_path) == ["dev.conf", "prod.conf"]


def test_a_service_publishes_its_own_subjects_and_the_rpc_it_calls() -> None:
    gateway = permissions("gateway")
    rpc = sorted(m.subject for m in MESSAGES if m.kind == "rpc")
    assert sorted(s for s in gateway.publish if s.startswith("rpc.")) == rpc  # CALLS says all
    assert {"evt.gateway.>", "dlq.gateway"} <= set(gateway.publish)
    # its replies, and render's outcomes it pushes to the widget (core NATS), nothing else
    assert gateway.subscribe == ("evt.render.render.completed", "evt.render.render.failed",
                                 "_INBOX.gateway.>")
    assert not gateway.allow_responses
    render = permissions("render")
    assert {"evt.render.>", "job.render.>", "dlq.render"} <= set(render.publish)
    assert not any(s.startswith(("rpc.", "evt.snapshot")) for s in render.publish)
    assert not any(s.startswith("$JS.API.STREAM") for s in render.publish)  # admin's work


def test_consumer_api_is_only_that_of_its_own_durables() -> None:
    render = permissions("render")
    api = [s for s in render.publish if s.startswith("$JS")]
    pools = ("render-mockup", "render-thumbnail", "render-zone", "render-glb", "render-usdz",
             "render-preview")
    assert api and all(
        "EVT_SNAPSHOT.render-snapshot-created" in s
        or any(f"JOB_RENDER.{pool}" in s for pool in pools)
        for s in api
    )
    for pool in pools:
        assert f"$JS.API.CONSUMER.MSG.NEXT.JOB_RENDER.{pool}" in api
    spec = [s for s in permissions("spec").publish if s.startswith("$JS")]
    assert spec and all("EVT_SNAPSHOT.spec-snapshot-created" in s for s in spec)
    assert not [s for s in permissions("gateway").publish if s.startswith("$JS")]  # no consumer


def test_a_responder_subscribes_to_the_rpc_it_answers_and_may_reply() -> None:
    spec = permissions("spec")
    assert spec.subscribe == ("rpc.spec.create", "rpc.spec.get", "rpc.spec.validate",
                              "_INBOX.spec.>")
    assert spec.allow_responses
    assert not [s for s in spec.publish if s.startswith("rpc.")]  # it calls nothing


def test_a_namespace_prefixes_subjects_and_streams_not_inboxes() -> None:
    render = permissions("render", "stg")
    assert "stg.evt.render.>" in render.publish
    assert "$JS.API.CONSUMER.MSG.NEXT.STG_JOB_RENDER.render-mockup" in render.publish
    assert set(render.subscribe) == {"stg.rpc.render.request", "stg.rpc.render.get",
                                     "_INBOX.render.>"}
    # the gateway hears render's outcomes on core NATS, to push them to the widget
    assert {"stg.evt.render.render.completed", "stg.evt.render.render.failed"} <= set(
        permissions("gateway", "stg").subscribe)
    conf = nats_config.accounts_conf("staging", "stg")
    assert "  STAGING {" in conf and '"stg.evt.render.>"' in conf

def test_every_user_has_its_password_variable_and_the_chart_its_secret() -> None:
    for environment in nats_config.ENVIRONMENTS:
        conf = (nats_config.ROOT / f"{environment}.conf").read_text()
        assert f"  {environment.upper()} {{\n    jetstream: enabled" in conf
        for user in nats_config.USERS:
            assert f"user: {user}" in conf
            assert f"password: ${nats_config.password_variable(user)}" in conf
    values = yaml.safe_load((nats_config.ROOT / "helm-values.yaml").read_text())
    env = values["container"]["env"]
    assert set(env) == {nats_config.password_variable(u) for u in nats_config.USERS}
    for user in nats_config.USERS:
        ref = env[nats_config.password_variable(user)]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": f"atelier-nats-{user}", "key": "ATELIER_NATS_PASSWORD"}
    assert values["config"]["merge"] == {"00$include": "accounts.conf"}



def test_the_command_checks_and_prints_another_environment(capsys) -> None:
    nats_config.main(["check"])  # exits 1 on drift
    nats_config.main(["print", "staging", "stg"])
    assert capsys.readouterr().out == nats_config.accounts_conf("staging", "stg")
