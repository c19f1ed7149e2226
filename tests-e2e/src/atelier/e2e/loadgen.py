"""The benchmark's HTTP client: keep-alive HTTP/1.1 connections on asyncio protocols, responses
parsed by httptools (llhttp, the parser uvicorn uses).

The load generator shares the machine's two cores with the system it measures, so every
microsecond it spends is taken from the gateway and inflates the latencies it reports. A general
client (aiohttp: ~190 µs of CPU a request here, httpx several times more) costs a third of what
the gateway does; this one sends pre-encoded requests and only parses what comes back.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httptools


class ConnectionClosed(ConnectionError):
    """The server closed the connection (or it broke) before the response was complete."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection carrying one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.chunks: list[bytes] = []
        self.closed = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ConnectionClosed(f"unparseable response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(ConnectionClosed(f"connection lost: {exc!r}"))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.chunks = []

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((self.parser.get_status_code(), b"".join(self.chunks)))

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.closed or self.transport is None:
            raise ConnectionClosed("the connection is closed")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiter


class LoadClient:
    """Keep-alive connections to one server, each used by one request at a time: ``concurrency``
    of them are dialled up front, and one the server closed while it was idle (its
    keep-alive timeout) is dialled again, as any HTTP client does.

    ``await client.post(path, body)`` returns ``(status, decoded JSON or None)``.
    """

    def __init__(self, base_url: str, headers: Mapping[str, str]) -> None:
        url = urlsplit(base_url)
        if url.scheme != "http" or url.hostname is None:
            raise ValueError(f"an http:// URL with a host is needed, got {base_url!r}")
        self.host, self.port = url.hostname, url.port or 80
        fixed = {"Host": f"{self.host}:{self.port}", **headers}
        self._head = "".join(f"{name}: {value}\r\n" for name, value in fixed.items())
        self._idle: list[_Connection] = []
        self._all: list[_Connection] = []
        self.dialled = 0

    @classmethod
    @asynccontextmanager
    async def open(
        cls, base_url: str, concurrency: int, headers: Mapping[str, str]
    ) -> AsyncIterator[LoadClient]:
        client = cls(base_url, headers)
        try:
            client._idle = [await client._dial() for _ in range(concurrency)]
            yield client
        finally:
            for connection in client._all:
                if connection.transport is not None:
                    connection.transport.close()

    async def _dial(self) -> _Connection:
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(_Connection, self.host, self.port)
        self._all = [kept for kept in self._all if not kept.closed]
        self._all.append(connection)
        self.dialled += 1
        return connection

    async def _connection(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection
        return await self._dial()

    def encode(self, method: str, path: str, body: bytes | None = None,
               headers: dict[str, str] | None = None) -> bytes:
        lines = f"{method} {path} HTTP/1.1\r\n{self._head}"
        lines += "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        if body is None:
            return f"{lines}\r\n".encode()
        lines += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        return lines.encode() + body

    async def request(self, method: str, path: str, body: bytes | None = None,
                      headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """A request that fails with its connection is an error: it may have been processed.
        ``headers``: this request's own, beside the client's."""
        connection = await self._connection()
        try:
            answer = await connection.exchange(self.encode(method, path, body, headers))
        except BaseException:
            # given up on (a timeout) with its answer still to come: that answer must not be
            # taken for the next request's, so the connection goes
            if connection.transport is not None:
                connection.transport.abort()
            raise
        self._idle.append(connection)
        return answer

    async def post(self, path: str, document: Any) -> tuple[int, Any]:
        status, body = await self.request("POST", path, json.dumps(document).encode())
        return status, json.loads(body) if body else None

    async def post_raw(self, path: str, body: bytes, headers: dict[str, str]
                       ) -> tuple[int, Any]:
        """``body`` as it is (a webhook's signed bytes), with headers of its own."""
        status, answer = await self.request("POST", path, body, headers)
        return status, json.loads(answer) if answer else None

    async def get(self, path: str) -> tuple[int, Any]:
        status, body = await self.request("GET", path)
        return status, json.loads(body) if body else None
