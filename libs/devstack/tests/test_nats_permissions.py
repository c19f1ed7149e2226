"""The committed NATS configuration (deploy/nats/dev.conf) on a nats-server of the test's own:
each service connects with its own user and may do its work, and nothing else."""

import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import nats
import nats.errors
import pytest
import yaml
from nats.aio.client import Client

from atelier.contracts import Envelope
from atelier.contracts.catalog import (
    GET_RENDER,
    RENDER_COMPLETED,
    SNAPSHOT_CREATED,
    Message,
    stream_for,
)
from atelier.contracts.render import GetRender, RenderCompleted, RenderStatus
from atelier.contracts.snapshot import SnapshotCreated
from atelier.contracts.spec import Align, DesignSpecV1, FontRef, Layer, SpecZone
from atelier.devstack import nats_config
from atelier.kit import cli
from atelier.kit.broker import Bus, create_broker, nats_options
from atelier.kit.settings import ServiceSettings
from atelier.kit.telemetry import Metrics
from atelier.kit.testing.plugin import eventually, running, unique
from atelier.kit.testing.servers import NatsServer
from atelier.render.bootstrap import bootstrap as render_bootstrap
from atelier.typeset.fonts import shipped_font

CONFIG = nats_config.ROOT / "dev.conf"
SECOND = 1.0  # how long a refused publish waits for the acknowledgement it never gets


@pytest.fixture(scope="module")
def passwords() -> dict[str, str]:
    # the server parses the variable as a configuration value: a word, starting with a letter
    return {user: f"pw{secrets.token_hex(16)}" for user in nats_config.USERS}


@pytest.fixture(scope="module")
def server(passwords: dict[str, str]) -> Iterator[NatsServer]:
    env = {nats_config.password_variable(user): pw for user, pw in passwords.items()}
    server = NatsServer(config=CONFIG, env=env).start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def as_user(
    settings_of: Callable[..., ServiceSettings], server: NatsServer, passwords: dict[str, str]
) -> Callable[..., ServiceSettings]:
    """A service's settings on the test's server, as ``user`` (its own by default)."""

    def build(service: str, user: str | None = None, **overrides: Any) -> ServiceSettings:
        user = user or service
        values = {"nats_url": server.url, "bus_namespace": "", "nats_user": user,
                  "nats_password": passwords[user], **overrides}
        return settings_of(service, **values)

    return build


@pytest.fixture
async def admin(as_user: Callable[..., ServiceSettings]) -> AsyncIterator[Client]:
    """The admin's connection; every stream declared by its owner's setup, emptied after."""
    for service in ("snapshot", "render"):
        await cli.setup(as_user(service, "admin"))
    settings = as_user("render", "admin")
    nc = await nats.connect(settings.nats_url, **nats_options(settings))
    try:
        yield nc
    finally:
        js = nc.jetstream()
        for stream in (await js.streams_info()):
            await js.purge_stream(stream.config.name)
            for consumer in await js.consumers_info(stream.config.name):
                await js.delete_consumer(stream.config.name, consumer.name)
        await nc.close()


async def stored(admin: Client, message: Message) -> list[bytes]:
    js = admin.jetstream()
    stream = stream_for(message.subject).name
    state = (await js.stream_info(stream)).state
    if not state.messages:
        return []
    found = [await js.get_msg(stream, seq) for seq in range(state.first_seq, state.last_seq + 1)]
    return [m.data for m in found if m.subject == message.subject]


@pytest.fixture
async def bus_of(as_user: Callable[..., ServiceSettings]) -> AsyncIterator[Callable[..., Any]]:
    """Connected buses of services (as their own users), closed after the test."""
    buses: list[Bus] = []

    async def connect(service: str) -> Bus:
        settings = as_user(service)
        metrics = Metrics(f"test-{service}")
        bus = Bus(create_broker(settings, metrics), settings, metrics)
        await bus.start()
        buses.append(bus)
        return bus

    yield connect
    for bus in buses:
        await bus.stop()


def a_snapshot() -> Envelope[SnapshotCreated]:
    font = FontRef(id="dejavu-sans", sha256=shipped_font("dejavu-sans").sha256)
    zone = SpecZone(key="name", text="Ada", layer=Layer.ENGRAVE, width_mm=60, height_mm=12.5,
                    bleed_mm=0, safe_mm=1, font=font, size_mm=8, colour="#112233",
                    align=Align.CENTER, line_height=1.2, max_lines=1)
    spec = DesignSpecV1(product_id="p-1", template_version=1, zones=[zone])
    data = SnapshotCreated(snapshot_id=unique("snap-"), spec_hash=secrets.token_hex(32), spec=spec)
    return Envelope[SnapshotCreated](
        type=SNAPSHOT_CREATED.type, producer="snapshot", brand_id="brand-nats", data=data
    )


async def publish(bus: Bus, message: Message, envelope: Envelope) -> None:
    await bus.publish_raw(
        message.subject, envelope.model_dump_json().encode(), {"Nats-Msg-Id": envelope.id}
    )


# --- what a service may not do -------------------------------------------------------------
async def test_a_service_cannot_publish_on_another_services_subject(
    admin, bus_of, caplog
) -> None:
    snapshot = await bus_of("snapshot")
    forged = Envelope[RenderCompleted](
        type=RENDER_COMPLETED.type, producer="snapshot", brand_id="brand-nats",
        data=RenderCompleted(spec_hash="0" * 64, object_key="x", content_type="image/png",
                             width_px=1, height_px=1),
    )
    with caplog.at_level(logging.WARNING), pytest.raises(nats.errors.TimeoutError):
        await publish(snapshot, RENDER_COMPLETED, forged)  # no stream acknowledges it
    assert await stored(admin, RENDER_COMPLETED) == []
    assert 'permissions violation for publish to "evt.render.render.completed"' in caplog.text


async def test_a_service_reads_only_its_inboxes_and_the_rpc_it_answers(
    admin, as_user, server
) -> None:
    refused: list[str] = []

    async def on_error(error: Exception) -> None:
        refused.append(str(error))

    settings = as_user("gateway")
    nc = await nats.connect(server.url, **nats_options(settings), error_cb=on_error)
    try:
        for subject in ("rpc.spec.create", "_INBOX.render.>", "evt.snapshot.>"):
            await nc.subscribe(subject)
        await nc.flush()
        await eventually(lambda: len(refused) == 3)
    finally:
        await nc.close()
    assert all("permissions violation for subscription" in error for error in refused)


async def test_its_own_event_is_stored(admin, bus_of) -> None:
    snapshot = await bus_of("snapshot")
    event = a_snapshot()
    await publish(snapshot, SNAPSHOT_CREATED, event)
    assert await stored(admin, SNAPSHOT_CREATED) == [event.model_dump_json().encode()]


async def test_a_wrong_password_or_none_is_refused(as_user, tmp_path: Path) -> None:
    for settings in (as_user("render", nats_password="pw-not-this-one"),
                     as_user("render", nats_user=None, nats_password=None)):
        runtime = render_bootstrap(settings.model_copy(update={"storage_dir": str(tmp_path)}))
        try:  # the service stops at once, saying why, rather than waiting for NATS
            with pytest.raises(nats.errors.Error, match="Authorization Violation"):
                await runtime.start()
        finally:
            await runtime.stop()


# --- a real service under its permissions -----------------------------------------------------
async def test_render_consumes_works_and_answers_under_its_permissions(
    admin, bus_of, as_user, tmp_path: Path
) -> None:
    snapshot, gateway = await bus_of("snapshot"), await bus_of("gateway")
    heard: list[bytes] = []  # the gateway listens to render's events on core NATS (SSE)

    async def hear(msg: Any) -> None:
        heard.append(msg.data)

    await gateway.broker.connection.subscribe(RENDER_COMPLETED.subject, cb=hear)
    event = a_snapshot()
    async with running(render_bootstrap(as_user("render", storage_dir=str(tmp_path)))):
        await publish(snapshot, SNAPSHOT_CREATED, event)  # consumed, then jobs of its own

        async def both() -> list[bytes]:  # its mockup and its thumbnail
            found = await stored(admin, RENDER_COMPLETED)
            return found if len(found) == 2 else []

        done = await eventually(both, timeout=30)
        completed = [Envelope[RenderCompleted].model_validate_json(d).data for d in done]
        assert {c.kind for c in completed} == {"mockup", "thumbnail"}
        assert {c.spec_hash for c in completed} == {event.data.spec_hash}
        state = await gateway.call(
            GET_RENDER, GetRender(spec_hash=event.data.spec_hash), brand_id="brand-nats"
        )
        assert state.status == RenderStatus.READY
        assert await eventually(lambda: sorted(heard) == sorted(done))
    js = admin.jetstream()
    for stream, durable in nats_config.consumers("render"):  # every message acknowledged
        info = await js.consumer_info(stream, durable)
        assert not info.num_pending and not info.num_ack_pending



def compose_default(value: str) -> str:
    """``${VAR:-default}`` as compose resolves it when VAR is not set."""
    match = re.fullmatch(r"\$\{\w+:-(.*)\}", value)
    assert match, value
    return match.group(1)


async def test_composes_development_passwords_are_accepted() -> None:
    compose = yaml.safe_load((nats_config.ROOT.parents[1] / "compose.yaml").read_text())
    services = compose["services"]
    env = {k: compose_default(v) for k, v in services["nats"]["environment"].items()}
    server = NatsServer(config=CONFIG, env=env).start()  # the server parses every one of them
    try:
        for container in ("gateway", "render-setup"):
            environment = services[container]["environment"]
            nc = await nats.connect(
                server.url, user=environment["ATELIER_NATS_USER"],
                password=compose_default(environment["ATELIER_NATS_PASSWORD"]),
                allow_reconnect=False,
            )
            await nc.close()
    finally:
        server.close()
