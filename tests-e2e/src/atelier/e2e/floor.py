"""The benchmark's floor: what the architecture itself costs, measured in the same run.

One HTTP route, served by Litestar with no middleware on the services' server (granian), that
makes one NATS request to an echo responder and answers with the reply: the shape of a
validation through the gateway (HTTP in, one request/reply over the same NATS to another
process, HTTP out) with nothing of Atelier's own in it. Two processes, as the gateway and
personalization are:

    python -m atelier.e2e.floor echo NATS_URL SUBJECT        # answers every request with its data
    python -m atelier.e2e.floor http NATS_URL SUBJECT PORT   # POST /floor -> NATS -> answer

``running_floor`` starts both for the benchmark and stops them after.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import nats
import uvloop
from litestar import Litestar, MediaType, Request, Response, post
from nats.aio.msg import Msg

from atelier.devstack.stack import HOST, Replica, log_tail
from atelier.kit.server import serve_until_signalled
from atelier.kit.settings import ServiceSettings
from atelier.kit.testing.servers import free_port

PATH = "/floor"
READY_TIMEOUT_S = 30.0


def create_app(nats_url: str, subject: str) -> Litestar:
    connection: list[nats.NATS] = []  # connected at startup, in the server's loop

    async def connect() -> None:
        connection.append(await nats.connect(nats_url))

    async def close() -> None:
        await connection[0].close()

    @post(PATH, status_code=200, media_type=MediaType.JSON)
    async def floor(request: Request) -> Response[bytes]:
        answer = await connection[0].request(subject, await request.body(), timeout=10)
        return Response(answer.data, media_type=MediaType.JSON)

    return Litestar([floor], on_startup=[connect], on_shutdown=[close])


async def echo(nats_url: str, subject: str) -> None:
    nc = await nats.connect(nats_url)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)

    async def answer(msg: Msg) -> None:
        await msg.respond(msg.data)

    await nc.subscribe(subject, cb=answer)
    await stop.wait()
    await nc.drain()


@contextlib.asynccontextmanager
async def running_floor(nats_url: str, subject: str, log_dir: Path) -> AsyncIterator[str]:
    """Both processes, until the route answers through the responder; yields the route's URL.
    Their logs go in ``log_dir`` (which exists)."""
    port = free_port()
    processes = [_spawn("floor-echo", ["echo", nats_url, subject], port, log_dir),
                 _spawn("floor-http", ["http", nats_url, subject, str(port)], port, log_dir)]
    try:
        await _wait_ready(processes, f"http://{HOST}:{port}{PATH}")
        yield f"http://{HOST}:{port}"
    finally:
        for process in processes:
            process.signal(signal.SIGTERM)
        for process in processes:
            if not await process.wait(10):
                process.signal(signal.SIGKILL)
                await process.wait(10)


def _spawn(name: str, args: list[str], port: int, log_dir: Path) -> Replica:
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "atelier.e2e.floor", *args], stdout=out,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    return Replica(name, 0, port, log, process)


async def _wait_ready(processes: list[Replica], url: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last = "no answer"
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            for process in processes:
                if not process.alive():
                    raise RuntimeError(f"{process.service} exited; {process.log}:\n"
                                       f"{log_tail(process.log)}")
            try:
                response = await client.post(url, json={"ready": True})
                if response.status_code == 200:
                    return
                last = f"{response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            if time.monotonic() > deadline:
                raise RuntimeError(f"the floor did not answer within {READY_TIMEOUT_S:.0f}s "
                                   f"({last}); logs in {processes[0].log.parent}")
            await asyncio.sleep(0.1)


def main(argv: list[str]) -> None:
    match argv:
        case ["echo", nats_url, subject]:
            uvloop.run(echo(nats_url, subject))
        case ["http", nats_url, subject, port]:
            # the services' server (atelier.kit.server) on uvloop, one listener
            settings = ServiceSettings(http_host=HOST, http_port=int(port), ops_port=None)
            uvloop.run(serve_until_signalled(create_app(nats_url, subject), settings))
        case _:
            sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
