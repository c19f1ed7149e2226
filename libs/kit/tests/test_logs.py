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
                logging.getLogger("uvicorn.error").exception("failed")
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


async def test_a_service_under_uvicorn_writes_only_json(database_url, nats_url, namespace) -> None:
    port = free_port()
    env = {
        **os.environ,
        "ATELIER_DATABASE_URL": database_url,
        "ATELIER_NATS_URL": nats_url,
        "ATELIER_BUS_NAMESPACE": namespace,
        "ATELIER_INGRESS_HTTP_PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "atelier.ingress", "serve",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

            async def ready() -> bool:
                try:
                    return (await client.get("/health/ready")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, timeout=30)
            assert (await client.get("/nowhere")).status_code == 404
    finally:
        process.terminate()
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    lines = [line for line in (stdout + stderr).decode().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # fails on the first line that is not JSON
    messages = {(r["logger"], r["message"]) for r in records}
    assert ("uvicorn.error", "Application startup complete.") in messages
    assert ("uvicorn.error", "Application shutdown complete.") in messages
    assert {r["service"] for r in records} == {"ingress"}
