"""The HTTP server every service runs: granian (hyper and tokio underneath), embedded in the
service's own event loop, with one listener for the public routes and, when the service has an
``ops_port``, one for its operational routes (health, metrics, the OpenAPI document).

What each listener serves is decided here, in front of the app, so the app stays one Litestar
app that tests drive in process: the public listener answers 404 for the operational routes as
for any unknown path, and the ops listener answers 404 for everything else.

Slow or stalled clients are cut off at both layers: granian closes a connection whose request
head (request line and headers) is not complete within ``http_header_timeout_s`` (hyper's
header read timeout, which also bounds an idle keep-alive connection), and ``Listener`` bounds
the body: a request whose body has not arrived within ``http_body_timeout_s`` of the app asking
for it gets 408 and its connection is closed. Only HTTP/1.1 is served: the header timeout is
HTTP/1's (a balancer in front speaks HTTP/2 to clients if it wants). The client's address is
the socket's peer: granian reads no forwarding header (the gateway reads ``X-Forwarded-For``
itself, from its trusted proxies only).
"""

import asyncio
import enum
import logging
import signal
from typing import Any

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server.embed import Server
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)

from atelier.contracts import ErrorCode, ErrorItem, Problem
from atelier.kit.errors import RequestTimeout
from atelier.kit.settings import ServiceSettings

logger = logging.getLogger(__name__)

# granian's own loggers propagate to the kit's root handler (atelier.kit.logs) instead of the
# plain-text handlers granian would install
GRANIAN_LOGGING: dict[str, Any] = {
    "formatters": {},
    "handlers": {},
    "loggers": {
        "_granian": {"handlers": [], "propagate": True},
        "granian.access": {"handlers": [], "propagate": True},
    },
}


class Serves(enum.Enum):
    PUBLIC = "public"  # everything but the operational routes
    OPS = "ops"  # the operational routes only
    ALL = "all"  # a service without an ops port


def operational(path: str) -> bool:
    """Health, metrics and the OpenAPI document (Litestar's ``/schema`` routes)."""
    return (path.startswith("/health/") or path == "/metrics" or path == "/schema"
            or path.startswith("/schema/"))


_NOT_FOUND = Problem(
    title="Not Found", status=404, detail="Not Found",
    errors=[ErrorItem(field="request", code=ErrorCode.NOT_FOUND, message="Not Found")],
).model_dump_json(exclude_none=True).encode()
_NOT_FOUND_START = HTTPResponseStartEvent(
    type="http.response.start", status=404, headers=[
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(_NOT_FOUND)).encode()),
    ],
)
_NOT_FOUND_BODY = HTTPResponseBodyEvent(type="http.response.body", body=_NOT_FOUND,
                                        more_body=False)


class Listener:
    """The ASGI app one listening port runs: the service's app, less the routes this port does
    not serve, with every request's body bounded in time."""

    def __init__(self, app: ASGIApp, serves: Serves, body_timeout_s: float) -> None:
        self.app = app
        self.serves = serves
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:  # lifespan
            await self.app(scope, receive, send)
            return
        if self.serves is not Serves.ALL and operational(scope["path"]) != (
            self.serves is Serves.OPS
        ):
            # the same answer as the app's for a path it does not know, without saying more
            logger.info("%s %s answered 404: not served on this port", scope["method"],
                        scope["path"])
            await send(_NOT_FOUND_START)
            await send(_NOT_FOUND_BODY)
            return
        await self.app(scope, _body_in_time(receive, self.body_timeout_s), send)


def _body_in_time(receive: Receive, timeout_s: float) -> Receive:
    """``receive`` that raises ``RequestTimeout`` (408, answered by the app's error handler)
    when the body is not complete ``timeout_s`` after the app first asked for it. Once the body
    is in, it waits unbounded: later calls wait for the client's disconnect."""
    deadline: float | None = None
    complete = False

    async def receive_body() -> ReceiveMessage:
        nonlocal deadline, complete
        if complete:
            return await receive()
        if deadline is None:
            deadline = asyncio.get_running_loop().time() + timeout_s
        try:
            async with asyncio.timeout_at(deadline):
                message = await receive()
        except TimeoutError:
            raise RequestTimeout(
                f"The request body did not arrive within {timeout_s:g} s.",
                [ErrorItem(field="body", code=ErrorCode.REQUEST_TIMEOUT,
                           message="Send the whole body without pausing.")],
            ) from None
        complete = message["type"] != "http.request" or not message.get("more_body", False)
        return message

    return receive_body


class ServerStopped(RuntimeError):
    """A listener stopped although nobody asked it to (the app's start-up failed, say)."""


async def serve(app: ASGIApp, settings: ServiceSettings, stop: asyncio.Event) -> None:
    """Serve ``app`` until ``stop`` is set: the public listener (which runs the app's lifespan:
    start-up before serving, shutdown after) and, with an ``ops_port``, the ops listener."""
    servers = [_server(app, Serves.ALL if settings.ops_port is None else Serves.PUBLIC,
                       settings.http_host, settings.http_port, settings, lifespan=True)]
    if settings.ops_port is not None:
        servers.append(_server(app, Serves.OPS, settings.ops_host, settings.ops_port, settings,
                               lifespan=False))
    running = [asyncio.create_task(server.serve()) for server in servers]
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait([*running, stopped], return_when=asyncio.FIRST_COMPLETED)
    for server in servers:
        server.stop()
    outcomes = await asyncio.gather(*running, return_exceptions=True)
    stopped.cancel()
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    if not stop.is_set():
        raise ServerStopped(f"{settings.service}: the HTTP server stopped on its own")


async def serve_until_signalled(app: ASGIApp, settings: ServiceSettings) -> None:
    """``serve`` until SIGTERM or SIGINT, then stop gracefully: requests in flight are answered
    and the app's shutdown runs."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await serve(app, settings, stop)


def _server(
    app: ASGIApp, serves: Serves, host: str, port: int, settings: ServiceSettings, *,
    lifespan: bool,
) -> Server:
    return Server(
        Listener(app, serves, settings.http_body_timeout_s),
        address=host,
        port=port,
        interface=Interfaces.ASGI if lifespan else Interfaces.ASGINL,
        http=HTTPModes.http1,
        websockets=False,
        http1_settings=HTTP1Settings(
            header_read_timeout=max(1, round(settings.http_header_timeout_s * 1000))
        ),
        log_level=LogLevels(settings.log_level.lower()),
        log_dictconfig=GRANIAN_LOGGING,
    )
