"""Throwaway servers for fault tests: a nats-server of the test's own that can be stopped and
started again on the same port (never the shared one)."""

import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


# Ports are handed out below Linux's ephemeral range (32768-60999, where the kernel picks the
# source port of every outgoing connection, and port 0's), and never twice in a process: a port
# is free when handed out but only bound when its server starts, and in between the kernel could
# give it to a client's connection or to the next bind(0) (a CI run once started two services of
# one test system on one port: the gateway's requests reached another service, 404)
_PORTS = (20_000, 32_767)
_handed_out: set[int] = set()


def free_port() -> int:
    while True:
        port = random.randint(*_PORTS)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue  # taken, or still in TIME_WAIT
        _handed_out.add(port)
        return port


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class NatsServer:
    """``nats-server -js`` on a free port with its own store directory; with ``config``, that
    configuration file too (its accounts and users), reading ``env`` (e.g. the passwords)."""

    def __init__(self, config: Path | None = None, env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        self.store = Path(tempfile.mkdtemp(prefix="atelier-nats-"))
        self.config = config
        self.env = dict(env or {})
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> "NatsServer":
        config = ["-c", str(self.config)] if self.config else []  # the flags win over it
        log = self.store / "server.log"
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [NATS_SERVER, *config, "-js", "-a", "127.0.0.1", "-p", str(self.port),
                 "-sd", str(self.store)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
            )
        try:
            wait_for_port(self.port)
        except TimeoutError as exc:
            self.stop()
            raise RuntimeError(f"nats-server did not start:\n{log.read_text()[-2000:]}") from exc
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.store, ignore_errors=True)
