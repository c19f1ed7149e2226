"""A service's NATS credentials: from its settings to every connection, never into logs.
(The per-service users and permissions of deploy/nats are tested in libs/devstack.)"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import nats
import nats.errors
import nkeys
import pytest

from atelier.kit.broker import create_broker, nats_options
from atelier.kit.settings import ServiceSettings
from atelier.kit.telemetry import Metrics
from atelier.kit.testing.servers import NatsServer


class ProbeSettings(ServiceSettings):
    service: ClassVar[str] = "probe"


def new_seed() -> str:
    return nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER).decode()


def test_secrets_are_read_from_the_environment_and_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed = new_seed()
    monkeypatch.setenv("ATELIER_NATS_USER", "probe")
    monkeypatch.setenv("ATELIER_PROBE_NATS_PASSWORD", "pw-probe-secret")
    monkeypatch.setenv("ATELIER_NATS_NKEY_SEED", seed)
    settings = ProbeSettings()
    assert settings.nats_password is not None
    assert settings.nats_password.get_secret_value() == "pw-probe-secret"
    shown = f"{settings!r} {settings} {settings.model_dump_json()}"
    assert "pw-probe-secret" not in shown and seed not in shown


def test_no_credentials_by_default() -> None:
    assert nats_options(ProbeSettings()) == {"inbox_prefix": "_INBOX.probe"}


@pytest.fixture
def nkey_server(tmp_path: Path) -> Iterator[tuple[NatsServer, str]]:
    """A server knowing one user by its nkey; yields it and the user's seed."""
    seed = new_seed()
    public = nkeys.from_seed(seed.encode()).public_key.decode()
    config = tmp_path / "nkey.conf"
    config.write_text(f"accounts {{ T {{ jetstream: enabled, users: [{{nkey: {public}}}] }} }}\n")
    server = NatsServer(config=config).start()
    try:
        yield server, seed
    finally:
        server.close()


async def test_an_nkey_seed_signs_in_the_broker_and_the_other_connections(nkey_server) -> None:
    server, seed = nkey_server
    settings = ProbeSettings(nats_url=server.url, nats_nkey_seed=seed)
    nc = await nats.connect(server.url, **nats_options(settings))
    await nc.close()
    broker = create_broker(settings, Metrics("test-credentials"))
    await broker.start()
    try:
        assert await broker.ping(timeout=1.0)
    finally:
        await broker.stop()
    stranger = ProbeSettings(nats_url=server.url, nats_nkey_seed=new_seed())
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(server.url, **nats_options(stranger), allow_reconnect=False)
