"""The services' HTTP protocol: a response's head and body leave in one write, on a real uvicorn
server and a real socket; nothing is held back past the loop step that wrote it."""

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from atelier.kit.server import CombinedWrites, CombinedWritesProtocol


class Recorded:
    """A transport that keeps what was written to it."""

    def __init__(self, inner: Any = None) -> None:
        self.inner = inner
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        if self.inner is not None:
            self.inner.write(data)

    def is_closing(self) -> bool:
        return self.closed if self.inner is None else self.inner.is_closing()

    def close(self) -> None:
        self.closed = True
        if self.inner is not None:
            self.inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_writes_of_one_step_go_out_together_in_order_after_the_step() -> None:
    recorded = Recorded()
    combined = CombinedWrites(recorded, asyncio.get_running_loop())  # type: ignore[arg-type]
    combined.write(b"HTTP/1.1 200 OK\r\n\r\n")
    combined.write(b"body")
    assert recorded.writes == []
    await asyncio.sleep(0)
    assert recorded.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    combined.write(b"next")
    combined.close()  # close sends what is pending first
    assert recorded.writes[1:] == [b"next"]
    assert recorded.closed


async def test_nothing_is_written_to_a_transport_the_client_closed() -> None:
    recorded = Recorded()
    combined = CombinedWrites(recorded, asyncio.get_running_loop())  # type: ignore[arg-type]
    combined.write(b"late")
    recorded.closed = True
    await asyncio.sleep(0)
    assert recorded.writes == []


TRANSPORTS: list[Recorded] = []


class RecordedProtocol(CombinedWritesProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        TRANSPORTS.append(Recorded(transport))
        super().connection_made(TRANSPORTS[-1])  # type: ignore[arg-type]


async def app(scope: dict, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await receive()
    if scope["path"] == "/stream":  # a body in parts, the app waiting between them
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"one,", b"two,", b"three"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
            await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    body = b'{"valid":true}'
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
async def server() -> AsyncIterator[str]:
    TRANSPORTS.clear()
    listening = socket.create_server(("127.0.0.1", 0))  # connections wait in its backlog
    config = uvicorn.Config(app, http=RecordedProtocol, lifespan="off", log_config=None,
                            access_log=False)
    running = uvicorn.Server(config)
    task = asyncio.create_task(running.serve(sockets=[listening]))
    try:
        yield f"http://127.0.0.1:{listening.getsockname()[1]}"
    finally:
        running.should_exit = True
        await task
        listening.close()


async def test_a_response_is_one_write_and_the_connection_stays_alive(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as client:
        first = await client.post("/v1/check", json={"a": 1})
        second = await client.post("/v1/check", json={"a": 2})
    assert (first.status_code, first.json()) == (200, {"valid": True})
    assert (second.status_code, second.json()) == (200, {"valid": True})
    [transport] = TRANSPORTS  # one kept-alive connection
    assert len(transport.writes) == 2  # one a response: head and body together
    for write in transport.writes:
        assert write.startswith(b"HTTP/1.1 200 OK\r\n")
        assert write.endswith(b'\r\n\r\n{"valid":true}')


async def test_a_streamed_body_leaves_as_the_app_sends_it(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as client:
        response = await client.get("/stream")
    assert response.text == "one,two,three"
    [transport] = TRANSPORTS
    # the head goes with the first part; each later part in the step that sent it
    assert len(transport.writes) == 4
    assert transport.writes[0].endswith(b"one,\r\n")
    assert transport.writes[1:] == [b"4\r\ntwo,\r\n", b"5\r\nthree\r\n", b"0\r\n\r\n"]
