"""The snapshot service running on real Postgres and NATS, and builders of its inputs."""

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from atelier.contracts.canonical import canonicalize
from atelier.contracts.catalog import CREATE_SNAPSHOT
from atelier.contracts.snapshot import CreateSnapshot, SnapshotView
from atelier.contracts.spec import Align, DesignSpecV1, FontRef, Layer, SpecZone
from atelier.kit.broker import Bus
from atelier.kit.db import asyncpg_dsn
from atelier.kit.runtime import Runtime
from atelier.kit.testing.plugin import running
from atelier.snapshot.bootstrap import bootstrap

FONT = FontRef(id="dejavu-sans", sha256=hashlib.sha256(b"dejavu-sans").hexdigest())
Create = Callable[..., Awaitable[SnapshotView]]


def design(text: str = "Ada", template_version: int = 3, width_mm: float = 60) -> DesignSpecV1:
    zone = SpecZone(
        key="name", text=text, layer=Layer.ENGRAVE, width_mm=width_mm, height_mm=12,
        bleed_mm=0, safe_mm=1, font=FONT, size_mm=8, colour="#112233", align=Align.CENTER,
        line_height=1.2, max_lines=1,
    )
    return DesignSpecV1(product_id="p-1", template_version=template_version, zones=[zone])


def hash_of(spec: DesignSpecV1) -> str:
    return canonicalize(spec).hash


@pytest.fixture
def a_spec() -> Callable[..., DesignSpecV1]:
    return design


@pytest.fixture
async def service(settings_of: Callable[..., Any]) -> AsyncIterator[Runtime]:
    async with running(bootstrap(settings_of("snapshot"))) as runtime:
        yield runtime


@pytest.fixture
async def db(settings_of: Callable[..., Any]) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(asyncpg_dsn(settings_of("snapshot").database_url))
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
def create(service: Runtime, client_bus: Bus) -> Create:
    """Create a snapshot through the bus, as the gateway does."""

    async def create(
        brand: str, spec: DesignSpecV1 | None = None, request_key: str | None = None, **fields: Any
    ) -> SnapshotView:
        spec = spec or design()
        command = CreateSnapshot(spec=spec, **fields)
        return await client_bus.call(CREATE_SNAPSHOT, command, brand_id=brand,
                                     request_key=request_key)

    return create
