"""The Stack runs real service processes: the spec service (finished) stands in for all."""

import os
import signal
import socket
from pathlib import Path

import httpx
import pytest

from atelier.contracts.catalog import SERVICES
from atelier.devstack.stack import DEFAULT_OPS_PORTS, DEFAULT_PORTS, Stack, StackError
from atelier.kit.settings import settings_class


def gone(pid: int) -> bool:
    """Neither the process nor anything left in its process group."""
    for probe in (os.kill, os.killpg):
        try:
            probe(pid, 0)
            return False
        except ProcessLookupError:
            pass
    return True


def spec_stack(database_url: str, nats_url: str, namespace: str, tmp_path: Path, **kw) -> Stack:
    return Stack(database_url=database_url, nats_url=nats_url, namespace=namespace,
                 storage_dir=tmp_path / "objects", log_dir=tmp_path / "log",
                 services=("spec",), **kw)


def test_fixed_ports_are_the_services_defaults() -> None:
    assert set(DEFAULT_PORTS) == set(SERVICES)
    for service in SERVICES:
        settings = settings_class(service)()
        assert settings.http_port == DEFAULT_PORTS[service], service
        assert settings.ops_port == DEFAULT_OPS_PORTS.get(service), service
    # the services with public routes keep their operational ones off the public port
    assert set(DEFAULT_OPS_PORTS) == {"gateway", "ingress"}


async def test_starts_ready_replicas_and_stops_every_process(
    database_url, nats_url, namespace, tmp_path
) -> None:
    async with spec_stack(database_url, nats_url, namespace, tmp_path) as stack:
        second = await stack.start_service("spec")
        assert second.index == 1 and second.port != stack.replica("spec").port
        async with httpx.AsyncClient() as client:
            for url in (stack.url("spec"), stack.url("spec", 1)):
                assert (await client.get(f"{url}/health/ready")).status_code == 200
        pids = [stack.replica("spec", 0).pid, second.pid]
        assert (tmp_path / "log" / "spec.log").exists()
        assert (tmp_path / "log" / "spec-1.log").exists()

        await stack.kill("spec", 1, signal.SIGKILL)
        assert gone(second.pid)
        assert second.process.returncode == -signal.SIGKILL
        with pytest.raises(LookupError):
            stack.url("spec", 1)
        assert stack.exited() == []
    assert all(gone(pid) for pid in pids)
    assert stack.replicas == {"spec": []}


async def test_a_service_that_dies_is_named_with_its_log(
    database_url, nats_url, namespace, tmp_path
) -> None:
    # setup succeeds (it does not bind), serve cannot bind to an impossible address
    stack = spec_stack(database_url, nats_url, namespace, tmp_path,
                       service_env={"spec": {"ATELIER_SPEC_HTTP_HOST": "256.0.0.1"}})
    with pytest.raises(StackError) as failure:
        await stack.start()
    message = str(failure.value)
    assert message.startswith("spec (replica 0")
    assert "exited with code" in message
    assert str(tmp_path / "log" / "spec.log") in message
    assert stack.replicas == {"spec": []}


async def test_a_failed_setup_names_the_service(
    database_url, nats_url, namespace, tmp_path
) -> None:
    missing = database_url.rsplit("/", 1)[0] + "/atelier_no_such_database"
    stack = spec_stack(missing, nats_url, namespace, tmp_path)
    with pytest.raises(StackError, match=r"^setup of spec failed \(exit code 1\)") as failure:
        await stack.start()
    assert "atelier_no_such_database" in str(failure.value)  # the log tail says what is wrong
    assert stack.replicas == {"spec": []}


async def test_a_hanging_setup_is_stopped_and_named(database_url, namespace, tmp_path) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: NATS connections are refused
    try:
        stack = spec_stack(database_url, f"nats://127.0.0.1:{closed.getsockname()[1]}",
                           namespace, tmp_path, ready_timeout=3.0)
        with pytest.raises(StackError, match=r"^setup of spec did not finish within 3s"):
            await stack.start()
    finally:
        closed.close()


async def test_a_taken_fixed_port_fails_before_anything_starts(
    database_url, nats_url, namespace, tmp_path
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        stack = spec_stack(database_url, nats_url, namespace, tmp_path, ports={"spec": port})
        with pytest.raises(StackError, match=f"ports already in use: spec {port}"):
            await stack.start()
    assert not (tmp_path / "log" / "spec.log").exists()


def test_unknown_services_are_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="unknown services"):
        Stack(database_url="postgresql+asyncpg://x/y", nats_url="nats://x", services=("nope",),
              storage_dir=tmp_path, log_dir=tmp_path)
