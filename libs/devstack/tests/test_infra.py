"""Infrastructure detection for ``make run``: the shared servers answer here; our own are started
from the installed programs when nothing answers."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import nats
import pytest

from atelier.devstack import infra
from atelier.devstack.infra import InfraUnavailable, answers, prepare_infra
from atelier.kit.db import asyncpg_dsn
from atelier.kit.testing.plugin import POSTGRES, drop_database, unique
from atelier.kit.testing.servers import free_port

SHARED_PG = POSTGRES.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)


@pytest.fixture
def var() -> Iterator[Path]:
    # not pytest's tmp_path: as root, postgres runs as the postgres user and needs to reach it
    path = Path(tempfile.mkdtemp(prefix="atelier-devstack-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_answers_tells_a_listening_port_from_a_free_one(nats_url) -> None:
    assert answers("127.0.0.1", int(nats_url.rsplit(":", 1)[1]))
    assert not answers("127.0.0.1", free_port())


async def test_uses_running_servers_and_creates_the_database(nats_url, var) -> None:
    name = unique("atelier_devstack_")
    try:
        found = await prepare_infra(f"{SHARED_PG}/{name}", nats_url, var)
        assert (found.database_url, found.nats_url) == (f"{SHARED_PG}/{name}", nats_url)
        assert found.postgres is None and found.nats is None
        assert [n.split(":")[0] for n in found.notes] == ["PostgreSQL", "NATS"]
        conn = await asyncpg.connect(asyncpg_dsn(found.database_url))  # it exists now
        await conn.close()
        await prepare_infra(found.database_url, nats_url, var)  # and again: no error
    finally:
        await drop_database(name)
    assert list(var.iterdir()) == []  # nothing started, nothing written


@pytest.mark.skipif(infra.postgres_bin() is None or infra.nats_bin() is None,
                    reason="needs PostgreSQL's initdb and nats-server installed")
async def test_starts_its_own_servers_when_none_answers(var) -> None:
    nothing = free_port()
    own = await prepare_infra(f"postgresql+asyncpg://postgres@127.0.0.1:{nothing}/atelier",
                              f"nats://127.0.0.1:{free_port()}", var)
    try:
        assert own.postgres is not None and own.nats is not None
        assert (var / "postgres" / "data" / "PG_VERSION").exists()
        conn = await asyncpg.connect(asyncpg_dsn(own.database_url))
        try:
            assert await conn.fetchval("SELECT current_database()") == "atelier"
        finally:
            await conn.close()
        nc = await nats.connect(own.nats_url)
        try:
            await nc.jetstream().account_info()  # JetStream is on
        finally:
            await nc.close()
        pid = own.nats.process.pid
    finally:
        own.stop()
    assert not answers("127.0.0.1", own.postgres.port)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_says_what_to_start_when_nothing_is_installed(monkeypatch, nats_url, var) -> None:
    monkeypatch.setattr(infra, "postgres_bin", lambda: None)
    monkeypatch.setattr(infra, "nats_bin", lambda: None)
    closed = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/atelier"
    with pytest.raises(InfraUnavailable, match="docker compose up -d nats postgres"):
        await prepare_infra(closed, nats_url, var)
    name = unique("atelier_devstack_")
    try:
        with pytest.raises(InfraUnavailable, match=r"NATS does not answer(.|\n)*docker compose"):
            await prepare_infra(f"{SHARED_PG}/{name}", f"nats://127.0.0.1:{free_port()}", var)
    finally:
        await drop_database(name)
