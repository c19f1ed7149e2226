"""The pytest plugin of Atelier (enabled in the root pyproject).

- ``database_url``: a database of this test run's own (``atelier_test_<hex>``) with every
  service's migrations applied once, dropped at the end.
- ``namespace``: a bus namespace of this test's own; its streams are declared before and deleted
  after the test, so runs on the shared NATS never collide.
- ``settings_of``: builds a service's settings wired to both, with short delivery timings.
- ``nats_server``: a nats-server of the test's own, to stop and restart in fault tests.
- ``s3_endpoint``: an S3-speaking server (moto) of the run's own, for the S3 object store.
- ``stream_messages``: what a stream holds, to check what was (not) published.
"""

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import asyncpg
import nats
import pytest
from nats.js.api import RawStreamMsg

from atelier.contracts.catalog import SERVICES, STREAMS
from atelier.kit.broker import Bus, create_broker, declare_streams, namespaced_stream
from atelier.kit.migrations import upgrade
from atelier.kit.runtime import Runtime
from atelier.kit.settings import ServiceSettings, settings_class
from atelier.kit.telemetry import Metrics
from atelier.kit.testing.servers import NatsServer, free_port, wait_for_port

POSTGRES = os.environ.get("ATELIER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
NATS = os.environ.get("ATELIER_TEST_NATS", "nats://127.0.0.1:4222")


def unique(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


async def create_database(name: str) -> str:
    conn = await asyncpg.connect(POSTGRES)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = POSTGRES.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(POSTGRES)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    name = unique("atelier_test_")
    url = await create_database(name)
    try:
        for service in SERVICES:  # setup's work: migrated as the owner, used as the role
            await upgrade(service, url, role=settings_class(service)().database_role)
        yield url
    finally:
        await drop_database(name)


@pytest.fixture(scope="session")
def nats_url() -> str:
    return NATS


async def delete_streams(url: str, namespace: str) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for stream in STREAMS:
            try:
                await js.delete_stream(namespaced_stream(namespace, stream.name))
            except Exception:
                pass
    finally:
        await nc.close()


@pytest.fixture
async def namespace(nats_url: str) -> AsyncIterator[str]:
    ns = unique("t")
    nc = await nats.connect(nats_url)
    try:
        await declare_streams(nc.jetstream(), STREAMS, ns)
    finally:
        await nc.close()
    yield ns
    await delete_streams(nats_url, ns)


@pytest.fixture
def settings_of(
    database_url: str, nats_url: str, namespace: str, tmp_path: Any
) -> Callable[..., ServiceSettings]:
    def build(service: str | type[ServiceSettings], **overrides: Any) -> ServiceSettings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "nats_url": nats_url,
            "bus_namespace": namespace,
            "storage_dir": str(tmp_path / "objects"),
            "ack_wait_s": 5.0,
            "max_deliver": 4,
            "retry_base_delay_s": 0.1,
            "retry_max_delay_s": 1.0,
            "outbox_max_attempts": 4,
            "outbox_poll_s": 0.5,
            "log_json": False,
            "gc_freeze": False,  # many runtimes start in one test process
        }
        values.update(overrides)
        cls = settings_class(service) if isinstance(service, str) else service
        return cls(**values)

    return build


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """``host:port`` of an S3-speaking server of the run's own (moto in server mode), for the
    S3 object store; each test takes a bucket of its own (``unique("bucket-")``)."""
    from moto.server import ThreadedMotoServer  # a test dependency: imported only when used

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    wait_for_port(port)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def nats_server() -> Iterator[NatsServer]:
    server = NatsServer().start()
    try:
        yield server
    finally:
        server.close()


async def eventually(
    check: Callable[[], Any],
    timeout: float = 10.0,  # noqa: ASYNC109 - a polling budget, not an I/O deadline
    interval: float = 0.05,
) -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


async def stream_messages(url: str, stream: str) -> list[RawStreamMsg]:
    """Every message ``stream`` holds, in stream order (``stream`` as named on the server)."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        state = (await js.stream_info(stream)).state
        if not state.messages:
            return []
        return [await js.get_msg(stream, seq) for seq in range(state.first_seq, state.last_seq + 1)]
    finally:
        await nc.close()


@contextlib.asynccontextmanager
async def running(runtime: Runtime) -> AsyncIterator[Runtime]:
    """Start a service's runtime (consumers, rpc, relay) for the duration of a block."""
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


@pytest.fixture
async def client_bus(settings_of: Callable[..., ServiceSettings]) -> AsyncIterator[Bus]:
    """A bus connected as the gateway would be, to call rpc subjects and publish test messages."""
    settings = settings_of("gateway")
    metrics = Metrics("test-client")
    bus = Bus(create_broker(settings, metrics), settings, metrics)
    await bus.start()
    try:
        yield bus
    finally:
        await bus.stop()
