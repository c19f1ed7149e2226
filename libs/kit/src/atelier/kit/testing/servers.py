"""Throwaway servers for fault tests: a nats-server of the test's own that can be stopped and
started again on the same port (never the shared one)."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
