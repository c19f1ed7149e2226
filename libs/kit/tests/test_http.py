"""What every service's HTTP side has: readiness that tells the truth, and metrics."""

import secrets
from typing import Any

import asyncpg
import pytest
from litestar import get
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from atelier.kit.db import asyncpg_dsn
from atelier.kit.http import service_app

UNREACHABLE_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"


pytestmark = pytest.mark.usefixtures("root_logging_restored")  # service_app configures logging


async def test_ready_is_503_while_the_database_is_unreachable(kit) -> None:
    app = service_app(kit.runtime(database_url=UNREACHABLE_DATABASE))
    async with AsyncTestClient(app) as client:
        response = await client.get("/health/ready")
        live = await client.get("/health/live")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable",
                               "checks": {"database": False, "nats": True}}
    assert live.status_code == 200  # alive: restarting it would not bring the database back


async def test_ready_is_200_when_database_and_nats_answer(kit) -> None:
    async with AsyncTestClient(service_app(kit.runtime())) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": True, "nats": True}}


async def test_metrics_expose_the_atelier_metrics(kit) -> None:
    async with AsyncTestClient(service_app(kit.runtime())) as client:
        await client.get("/health/live")
        response = await client.get("/metrics")
    assert response.status_code == 200
    text = response.text
    assert 'atelier_http_requests_total{method="GET",route="/health/live",status="200"} 1.0' in text
    for name in ("atelier_http_request_duration_seconds", "atelier_outbox_published_total",
                 "atelier_outbox_lag_seconds", "atelier_messages_dead_lettered"):
        assert f"# TYPE {name}" in text


def test_a_lone_surrogate_is_named_not_called_malformed_json() -> None:
    from pydantic import BaseModel

    from atelier.kit.errors import BadRequest
    from atelier.kit.http import parse_body

    class Body(BaseModel):
        values: dict[str, str]

    with pytest.raises(BadRequest) as caught:
        parse_body(Body, b'{"values": {"name": "ab\\ud800"}}')
    [error] = caught.value.errors
    assert (error.field, error.code) == ("values.name", "unpaired_surrogate")
    with pytest.raises(BadRequest) as malformed:
        parse_body(Body, b'{"values": ')
    assert malformed.value.errors[0].code == "malformed_json"


def _reads_the_database(runtime) -> Any:  # noqa: ANN001
    @get("/reads")
    async def reads() -> dict[str, int]:
        async with runtime.db.session(across_brands=True) as session:
            return {"one": (await session.execute(text("SELECT 1"))).scalar_one()}

    return reads


async def test_a_request_is_503_with_retry_after_while_the_database_is_unreachable(kit) -> None:
    """A database down or refusing connections is the service unavailable for a moment (503,
    Retry-After), not a bug in it (500)."""
    runtime = kit.runtime(database_url=UNREACHABLE_DATABASE)
    async with AsyncTestClient(service_app(runtime, [_reads_the_database(runtime)])) as client:
        response = await client.get("/reads")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) >= 1
    assert "127.0.0.1" not in response.text  # nothing of the infrastructure told


async def test_a_request_is_503_when_postgres_refuses_more_connections(
    kit, database_url  # noqa: ANN001
) -> None:
    """PostgreSQL's own refusal (a role at its connection limit, as a server at
    max_connections refuses), on the real server."""
    role = f"full_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
        runtime = kit.runtime(database_role=role)
        async with AsyncTestClient(service_app(runtime, [_reads_the_database(runtime)])) as client:
            response = await client.get("/reads")
            await runtime.db.dispose()
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"]
    finally:
        await admin.execute(f"DROP ROLE IF EXISTS {role}")
        await admin.close()
