"""The benchmark's HTTP client against a small server of the test's own: what it sends on the
wire, keep-alive, content-length and chunked bodies, and a server that hangs up."""

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from atelier.e2e.loadgen import ConnectionClosed, LoadClient


class Server:
    """Reads each request whole; answers by path. Keeps what it received."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode().split("\r\n")[:-2]
                headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests.append((request_line, headers, body))
                path = request_line.split()[1]
                if path == "/hang-up":
                    writer.close()
                    return
                if path == "/bye":  # answers, then closes the kept-alive connection
                    writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                    await writer.drain()
                    writer.close()
                    return
                if path == "/slow":  # the answer comes after the client has given up
                    await asyncio.sleep(0.5)
                if path == "/chunked":
                    writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                                 b"5\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\n\r\n")
                else:
                    answer = json.dumps({"echo": json.loads(body) if body else None}).encode()
                    writer.write(b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n"
                                 b"content-length: %d\r\n\r\n" % len(answer))
                    # the body in two segments: the client must wait for all of it
                    await writer.drain()
                    writer.write(answer[:3])
                    await writer.drain()
                    writer.write(answer[3:])
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, str]]:
    state = Server()
    listening = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    async with listening:
        yield state, f"http://127.0.0.1:{port}"


async def test_requests_go_out_whole_and_answers_come_back_on_kept_alive_connections(
    server: tuple[Server, str],
) -> None:
    state, url = server
    async with LoadClient.open(url, 2, {"X-Atelier-Key": "pk_test"}) as client:
        answers = await asyncio.gather(*(client.post("/v1/x", {"i": i}) for i in range(2)))
        answers += [await client.post("/v1/x", {"i": i}) for i in range(2, 6)]
        chunked = await client.get("/chunked")
    assert answers == [(201, {"echo": {"i": i}}) for i in range(6)]
    assert chunked == (200, {"a": 1})
    assert state.connections == 2  # seven requests, two connections
    line, headers, body = state.requests[0]
    assert line == "POST /v1/x HTTP/1.1"
    assert headers["x-atelier-key"] == "pk_test"
    assert headers["content-type"] == "application/json"
    assert headers["host"] == url.removeprefix("http://")
    assert json.loads(body) in ({"i": 0}, {"i": 1})


async def test_a_server_that_hangs_up_is_an_error_not_a_hang(server: tuple[Server, str]) -> None:
    _, url = server
    async with LoadClient.open(url, 1, {}) as client:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(client.get("/hang-up"), timeout=5)
        assert client.dialled == 1


async def test_a_connection_closed_while_idle_is_dialled_again(
    server: tuple[Server, str],
) -> None:
    """A server closes a kept-alive connection idle too long: the next request gets a new one."""
    state, url = server
    async with LoadClient.open(url, 1, {}) as client:
        assert await client.get("/bye") == (204, None)
        await asyncio.sleep(0.05)  # the close arrives while the connection is idle
        assert await client.post("/v1/x", {"i": 1}) == (201, {"echo": {"i": 1}})
        assert (client.dialled, state.connections) == (2, 2)
        assert await client.post("/v1/x", {"i": 2}) == (201, {"echo": {"i": 2}})
        assert client.dialled == 2  # the new connection is kept alive


async def test_an_answer_given_up_on_is_never_taken_for_the_next_requests(
    server: tuple[Server, str],
) -> None:
    """The open loop gives up on a request after a time: its connection goes with it, or its late
    answer would be read as the answer to whatever that connection carried next."""
    _, url = server
    async with LoadClient.open(url, 1, {}) as client:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.post("/slow", {"i": 0}), timeout=0.05)
        assert await client.post("/v1/x", {"i": 1}) == (201, {"echo": {"i": 1}})
        assert client.dialled == 2


def test_only_plain_http_urls() -> None:
    with pytest.raises(ValueError, match="http://"):
        LoadClient("https://example.com", {})
