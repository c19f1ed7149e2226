"""Every line a service writes is one JSON object carrying trace, correlation and brand ids."""

import asyncio
import io
import json
import logging
import os
import sys

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from atelier.kit import context
from atelier.kit.logs import configure_logging
from atelier.kit.testing.plugin import eventually
from atelier.kit.testing.servers import free_port


@pytest.mark.usefixtures("root_logging_restored")
def test_each_record_is_one_json_line_with_trace_correlation_and_brand() -> None:
    out = io.StringIO()
    configure_logging("probe", stream=out)
    tokens = context.correlation_id.set("corr-1"), context.brand_id.set("brand-1")
    try:
        with TracerProvider().get_tracer("test").start_as_current_span("work") as span:
            logging.getLogger("atelier.probe").info("hello %s", "world")
            try:
                raise RuntimeError("boom\non two lines")
            except RuntimeError:
                logging.getLogger("_granian").exception("failed")
    finally:
        context.correlation_id.reset(tokens[0])
        context.brand_id.reset(tokens[1])
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 2  # the traceback stays inside its record
    trace_id = format(span.get_span_context().trace_id, "032x")
    for line in lines:
        assert line["service"] == "probe"
        assert (line["trace_id"], line["correlation_id"], line["brand_id"]) == (
            trace_id, "corr-1", "brand-1"
        )
    assert lines[0]["message"] == "hello world" and lines[0]["level"] == "info"
    assert "RuntimeError: boom" in lines[1]["exception"]


async def test_a_service_under_its_server_writes_only_json(
    database_url, nats_url, namespace
) -> None:
    port, ops_port = free_port(), free_port()
    env = {
        **os.environ,
        "ATELIER_DATABASE_URL": database_url,
        "ATELIER_NATS_URL": nats_url,
        "ATELIER_BUS_NAMESPACE": namespace,
        "ATELIER_INGRESS_HTTP_PORT": str(port),
        "ATELIER_INGRESS_OPS_PORT": str(ops_port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "atelier.ingress", "serve",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

            async def ready() -> bool:
                try:
                    answer = await client.get(f"http://127.0.0.1:{ops_port}/health/ready")
                    return answer.status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, timeout=30)
            assert (await client.get("/nowhere")).status_code == 404
            assert (await client.get("/health/ready")).status_code == 404  # on the ops port only
    finally:
        process.terminate()
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0  # a graceful stop
    lines = [line for line in (stdout + stderr).decode().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # fails on the first line that is not JSON
    messages = {(r["logger"], r["message"]) for r in records}
    assert ("_granian", f"Listening at: http://127.0.0.1:{port}") in messages
    assert ("_granian", f"Listening at: http://127.0.0.1:{ops_port}") in messages
    assert ("litestar", "GET /nowhere answered 404: Not Found") in messages
    assert ("atelier.kit.server", "GET /health/ready answered 404: not served on this port") \
        in messages
    assert {r["service"] for r in records} == {"ingress"}


def litestar_records(out: io.StringIO) -> list[dict]:
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    return [r for r in records if r["logger"] == "litestar"]  # not the test client's own


@pytest.mark.usefixtures("root_logging_restored")
async def test_client_errors_are_one_info_line_server_errors_a_traceback(kit) -> None:
    from litestar import get, post
    from litestar.exceptions import HTTPException
    from litestar.params import FromPath, FromQuery, JSONBody
    from litestar.testing import AsyncTestClient

    from atelier.kit import errors
    from atelier.kit.http import service_app

    refusals: dict[int, Exception] = {
        401: errors.Unauthorized("no key"), 403: errors.Forbidden("not yours"),
        404: errors.NotFound.of("product"), 409: errors.Conflict("locked"),
        415: HTTPException(status_code=415, detail="send JSON"),
        422: errors.Invalid("bad field"), 429: errors.TooManyRequests("slow down", retry_after_s=1),
    }

    @get("/refuse/{status:int}")
    async def refuse(status: FromPath[int]) -> None:
        raise refusals[status]

    @get("/count")
    async def count(n: FromQuery[int]) -> int:
        return n

    @post("/small")
    async def small(data: JSONBody[dict[str, int]]) -> None:
        return None

    @get("/crash")
    async def crash() -> None:
        raise RuntimeError("a bug")

    app = service_app(kit.runtime(), [refuse, count, small, crash], request_max_body_size=10)
    out = io.StringIO()
    configure_logging("probe", stream=out)
    async with AsyncTestClient(app) as client:
        statuses = [(await client.get(f"/refuse/{status}")).status_code for status in refusals]
        statuses.append((await client.get("/count?n=many")).status_code)
        statuses.append((await client.get("/nowhere")).status_code)
        statuses.append((await client.post("/crash")).status_code)
        statuses.append((await client.post("/small", content=b"{" * 11)).status_code)
        refused = litestar_records(out)
        out.seek(0)
        out.truncate()
        assert (await client.get("/crash")).status_code == 500
        crashed = litestar_records(out)
    assert statuses == [*refusals, 400, 404, 405, 413]
    # one line each, at info, without a traceback
    assert [(r["level"], "exception" in r) for r in refused] == [("info", False)] * len(statuses)
    assert refused[0]["message"] == "GET /refuse/401 answered 401: no key"
    assert [(r["level"], "exception" in r) for r in crashed] == [("error", True)]
    assert "RuntimeError: a bug" in crashed[0]["exception"]
