"""The server every service runs, over real sockets: which routes each listener serves, slow and
stalled clients cut off while others are served, and protocol errors answered as problems."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from litestar import Litestar, Request, post

from atelier.kit.http import PROBLEM_JSON, service_app
from atelier.kit.server import serve
from atelier.kit.settings import ServiceSettings
from atelier.kit.testing.servers import free_port

HOST = "127.0.0.1"
BOUND_S = 30  # no test waits longer for anything: a hang fails, it does not block the suite

pytestmark = pytest.mark.usefixtures("root_logging_restored")  # service_app configures logging


@post("/echo")
async def echo(request: Request) -> dict[str, int]:
    return {"received": len(await request.body())}


@asynccontextmanager
async def serving(app: Litestar, settings: ServiceSettings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    server = asyncio.create_task(serve(app, settings, stop))
    try:
        ports = [settings.http_port] + ([settings.ops_port] if settings.ops_port else [])
        await asyncio.wait_for(_listening(ports, settings.ops_port), BOUND_S)
        yield
    finally:
        stop.set()
        await asyncio.wait_for(server, BOUND_S)


async def _listening(ports: list[int], ops_port: int | None) -> None:
    """Every port accepts, and the app has started (ready)."""
    ready = f"http://{HOST}:{ops_port or ports[0]}/health/ready"
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            try:
                if (await client.get(ready)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)


def settings(kit: Any, **overrides: Any) -> tuple[Litestar, ServiceSettings]:
    runtime = kit.runtime(http_port=free_port(), **overrides)
    return service_app(runtime, [echo]), runtime.settings


async def test_operational_routes_are_only_on_the_ops_port(kit: Any) -> None:
    app, config = settings(kit, ops_port=free_port())
    public, ops = f"http://{HOST}:{config.http_port}", f"http://{HOST}:{config.ops_port}"
    async with serving(app, config), httpx.AsyncClient(timeout=10) as client:
        for path in ("/health/live", "/health/ready", "/metrics", "/schema/openapi.json",
                     "/schema"):
            refused = await client.get(public + path)
            assert refused.status_code == 404, path
            assert refused.headers["content-type"] == PROBLEM_JSON
            assert refused.json()["errors"][0]["code"] == "not_found"
            assert (await client.get(ops + path)).status_code == 200, path
        assert (await client.post(public + "/echo", json={})).status_code == 201
        assert (await client.post(ops + "/echo", json={})).status_code == 404
        document = (await client.get(ops + "/schema/openapi.json")).json()
        assert list(document["paths"]) == ["/echo"]  # the public routes, as `make schemas`
        metrics = (await client.get(ops + "/metrics")).text
        assert 'atelier_http_requests_total{method="POST",route="/echo",status="201"}' in metrics


async def test_without_an_ops_port_one_port_serves_everything(kit: Any) -> None:
    app, config = settings(kit)
    url = f"http://{HOST}:{config.http_port}"
    async with serving(app, config), httpx.AsyncClient(timeout=10) as client:
        assert (await client.get(url + "/health/ready")).status_code == 200
        assert (await client.get(url + "/metrics")).status_code == 200
        assert (await client.post(url + "/echo", json={})).status_code == 201


async def test_slow_clients_are_cut_off_while_others_are_served(kit: Any) -> None:
    app, config = settings(kit, http_header_timeout_s=1.0, http_body_timeout_s=1.0)
    async with serving(app, config):
        # a head sent in part, then nothing; a body announced as 100 bytes, 5 sent, then nothing
        head_reader, head_writer = await asyncio.open_connection(HOST, config.http_port)
        head_writer.write(b"POST /echo HTTP/1.1\r\nHost: atelier\r\nContent-Ty")
        body_reader, body_writer = await asyncio.open_connection(HOST, config.http_port)
        body_writer.write(b"POST /echo HTTP/1.1\r\nHost: atelier\r\nContent-Type: application/json"
                          b"\r\nContent-Length: 100\r\n\r\n{\"a\":")
        head_answer = asyncio.create_task(head_reader.read())  # everything until it is closed
        body_answer = asyncio.create_task(body_reader.read())
        served_while_stalled = 0
        async with httpx.AsyncClient(base_url=f"http://{HOST}:{config.http_port}",
                                     timeout=10) as client:

            async def others() -> None:
                nonlocal served_while_stalled
                while not (head_answer.done() and body_answer.done()):
                    stalled = not (head_answer.done() or body_answer.done())
                    response = await client.post("/echo", json={"i": 1})
                    assert response.status_code == 201
                    served_while_stalled += stalled and not (
                        head_answer.done() or body_answer.done())
                    await asyncio.sleep(0.02)

            await asyncio.wait_for(others(), BOUND_S)
        head_writer.close()
        body_writer.close()
    assert served_while_stalled > 0
    assert await head_answer == b""  # closed without a word: there is no request to answer
    head, _, body = (await body_answer).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert b"content-type: application/problem+json" in head.lower()
    assert b"connection: close" in head.lower()
    assert json.loads(body)["errors"][0]["code"] == "request_timeout"


async def test_protocol_errors_are_problems(kit: Any) -> None:
    runtime = kit.runtime(http_port=free_port())
    app, config = service_app(runtime, [echo], request_max_body_size=10), runtime.settings
    async with serving(app, config), httpx.AsyncClient(
        base_url=f"http://{HOST}:{config.http_port}", timeout=10
    ) as client:
        wrong_method = await client.get("/echo")
        unknown = await client.get("/nowhere")
        too_large = await client.post("/echo", content=b"x" * 11)
        for response, status, code in ((wrong_method, 405, "method_not_allowed"),
                                       (unknown, 404, "not_found"),
                                       (too_large, 413, "body_too_large")):
            assert response.status_code == status
            assert response.headers["content-type"] == PROBLEM_JSON
            assert response.json()["errors"][0]["code"] == code
        assert "POST" in wrong_method.headers["allow"]
        # the rest of a refused body is never read: the connection is not kept for another
        # request, which a client reusing it would see fail ("disconnected without a response")
        assert too_large.headers["connection"] == "close"
        for _ in range(3):
            refused = await client.post("/echo", content=b"x" * 200_000)
            assert refused.status_code == 413
            assert (await client.post("/echo", content=b"ok")).status_code == 201
        # what the server answers itself, before any app sees a request (README: Operations)
        reader, writer = await asyncio.open_connection(HOST, config.http_port)
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), BOUND_S)
        writer.close()
        assert answer.startswith(b"HTTP/1.1 400 ")
