"""The whole system as processes on one machine: ``make run``, the end-to-end tests, the benchmark.

Every service runs exactly as in production (``python -m atelier.<svc> setup`` then ``serve``),
each replica in its own process group so that stopping it also stops anything it spawned, and so
that a test can SIGKILL one replica while the others keep working.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from atelier.contracts.catalog import SERVICES
from atelier.devstack.infra import answers
from atelier.kit.testing.servers import free_port

# The http_port default of each service's settings (a devstack test keeps the two in step).
DEFAULT_PORTS: Mapping[str, int] = {
    "gateway": 8000,
    "ingress": 8010,
    "personalization": 8011,
    "spec": 8012,
    "snapshot": 8013,
    "render": 8014,
    "manufacturing": 8015,
    "commerce": 8016,
    "notification": 8017,
}
# The ops_port default of the services that have one: their health, metrics and OpenAPI document
# are served there, not on the public port (same test).
DEFAULT_OPS_PORTS: Mapping[str, int] = {"gateway": 8100, "ingress": 8110}
HOST = "127.0.0.1"
LOG_TAIL_LINES = 40


class StackError(RuntimeError):
    """A service did not set up, start or become ready; the message names it and shows its log."""


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log written)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


@dataclass
class Replica:
    """One process of a service: a ``serve`` replica (or, briefly, its ``setup``)."""

    service: str
    index: int
    port: int
    log: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    ops_port: int | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ops_url(self) -> str:
        """Where its health, metrics and OpenAPI document are: its ops port, when it has one."""
        return self.url if self.ops_port is None else f"http://{HOST}:{self.ops_port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, sig: int) -> None:
        try:
            os.killpg(self.process.pid, sig)  # the group id is the pid: start_new_session=True
        except ProcessLookupError:
            pass

    async def wait(self, within: float) -> bool:
        """Wait for the process to exit (and reap it); False when it still runs after ``within``
        seconds."""
        deadline = time.monotonic() + within
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True


class Stack:
    """Sets up and runs a set of services as processes against a given Postgres, NATS and bus
    namespace. ``ports=None`` gives every replica free ports (tests); ``DEFAULT_PORTS`` (and
    ``DEFAULT_OPS_PORTS``) is what ``make run`` uses.

    ``async with Stack(...) as stack:`` sets up every service (side by side), starts them all, waits
    until each answers 200 on ``/health/ready`` (on its ops port, when it has one) and stops them
    all on exit.
    """

    def __init__(
        self,
        *,
        database_url: str,
        nats_url: str,
        storage_dir: str | Path,
        log_dir: str | Path,
        namespace: str = "",
        services: Sequence[str] = SERVICES,
        ports: Mapping[str, int] | None = None,
        env: Mapping[str, str] | None = None,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
        log_json: bool = False,
        ready_timeout: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        unknown = sorted(set(services) - set(SERVICES))
        if unknown:
            raise ValueError(f"unknown services {unknown}; known: {', '.join(SERVICES)}")
        self.services = tuple(services)
        self.ports = ports
        self.log_dir = Path(log_dir).resolve()
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.service_env = {name: dict(values) for name, values in (service_env or {}).items()}
        self.base_env = {
            "ATELIER_DATABASE_URL": database_url,
            "ATELIER_NATS_URL": nats_url,
            "ATELIER_BUS_NAMESPACE": namespace,
            "ATELIER_STORAGE_DIR": str(Path(storage_dir).resolve()),
            "ATELIER_LOG_JSON": "true" if log_json else "false",
            "ATELIER_HTTP_HOST": HOST,
            "ATELIER_OPS_HOST": HOST,
            **(env or {}),
        }
        self.replicas: dict[str, list[Replica]] = {name: [] for name in self.services}

    # --- lifecycle -------------------------------------------------------------------------------
    async def __aenter__(self) -> "Stack":
        await self.start()
        return self

    async def __aexit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Set up every service, then start one replica of each and wait until all are ready."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._check_fixed_ports()
        try:
            # each service migrates its own schema and declares its own streams, so the setups
            # run side by side; all of them end (or are killed) before a failure is raised
            failed = [outcome for outcome in await asyncio.gather(
                *(self.setup(name) for name in self.services), return_exceptions=True)
                if isinstance(outcome, BaseException)]
            if failed:
                raise failed[0]
            replicas = [self._spawn(name, 0) for name in self.services]
            await asyncio.gather(*(self._wait_ready(r) for r in replicas))
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """SIGTERM every process group, wait, then SIGKILL whatever is left."""
        running = [r for group in self.replicas.values() for r in group]
        for replica in running:
            replica.signal(signal.SIGTERM)
        await asyncio.gather(*(self._reap(r) for r in running))
        for group in self.replicas.values():
            group.clear()

    async def _reap(self, replica: Replica) -> None:
        if not await replica.wait(self.stop_timeout):
            replica.signal(signal.SIGKILL)
            await replica.wait(self.stop_timeout)
        replica.signal(signal.SIGKILL)  # anything the service left behind in its group

    # --- one service -----------------------------------------------------------------------------
    async def setup(self, name: str) -> None:
        """``python -m atelier.<name> setup``: migrations and the streams the service owns."""
        log = self.log_dir / f"{name}.log"
        process = self._run(name, "setup", self._env(name, DEFAULT_PORTS[name]), log, "wb")
        setup = Replica(name, 0, 0, log, process)
        # an unreachable NATS makes the client retry for minutes: give up sooner, and say why
        if not await setup.wait(self.ready_timeout):
            setup.signal(signal.SIGKILL)
            await setup.wait(self.stop_timeout)
            raise StackError(f"setup of {name} did not finish within {self.ready_timeout:.0f}s; "
                             f"{log}:\n{log_tail(log)}")
        if process.returncode != 0:
            raise StackError(f"setup of {name} failed (exit code {process.returncode}); "
                             f"{log}:\n{log_tail(log)}")

    async def start_service(
        self, name: str, replica: int | None = None, env: Mapping[str, str] | None = None
    ) -> Replica:
        """Start one more replica of a service (e.g. a second render worker) and wait until it
        is ready. Its index is the next free one unless given."""
        if name not in self.replicas:
            raise ValueError(f"{name} is not part of this stack ({', '.join(self.services)})")
        taken = {r.index for r in self.replicas[name]}
        index = replica if replica is not None else next(i for i in range(len(taken) + 1)
                                                         if i not in taken)
        if index in taken:
            raise ValueError(f"replica {index} of {name} is already running")
        started = self._spawn(name, index, env)
        await self._wait_ready(started)
        return started

    async def kill(
        self, name: str, replica: int = 0, sig: int = signal.SIGKILL, wait: bool = True
    ) -> None:
        """Send ``sig`` to a replica's process group; with ``wait`` (any terminating signal),
        return once it has exited, and forget it."""
        target = self.replica(name, replica)
        target.signal(sig)
        if wait:
            if not await target.wait(self.stop_timeout):
                raise StackError(f"{name} replica {replica} still runs after signal {sig}")
            self.replicas[name].remove(target)

    def replica(self, name: str, index: int = 0) -> Replica:
        for candidate in self.replicas.get(name, []):
            if candidate.index == index:
                return candidate
        raise LookupError(f"no running replica {index} of {name}")

    def url(self, name: str, replica: int = 0) -> str:
        return self.replica(name, replica).url

    def ops_url(self, name: str, replica: int = 0) -> str:
        return self.replica(name, replica).ops_url

    @property
    def gateway_url(self) -> str:
        return self.url("gateway")

    def exited(self) -> list[Replica]:
        """Replicas whose process has ended although nobody stopped them."""
        return [r for group in self.replicas.values() for r in group if not r.alive()]

    # --- internals -------------------------------------------------------------------------------
    def _check_fixed_ports(self) -> None:
        """Fail before any setup when a fixed port is taken (typically another ``make run``)."""
        busy = [f"{name} {port}" for name in self.services if self.ports is not None
                for port in (self.ports[name], DEFAULT_OPS_PORTS.get(name)) if port is not None
                and answers(HOST, port)]
        if busy:
            raise StackError(f"ports already in use: {', '.join(busy)}; is the system already "
                             "running (another `make run`)?")

    def _port(self, name: str, index: int) -> int:
        if self.ports is not None and index == 0:
            return self.ports[name]
        return free_port()  # tests, and every extra replica (one port per process)

    def _ops_port(self, name: str, index: int) -> int | None:
        if name not in DEFAULT_OPS_PORTS:
            return None
        if self.ports is not None and index == 0:
            return DEFAULT_OPS_PORTS[name]
        return free_port()

    def _env(
        self, name: str, port: int, extra: Mapping[str, str] | None = None,
        ops_port: int | None = None,
    ) -> dict[str, str]:
        ops = {} if ops_port is None else {f"ATELIER_{name.upper()}_OPS_PORT": str(ops_port)}
        return {
            **os.environ,
            **self.base_env,
            f"ATELIER_{name.upper()}_HTTP_PORT": str(port),
            **ops,
            **self.service_env.get(name, {}),
            **(extra or {}),
        }

    def _spawn(self, name: str, index: int, env: Mapping[str, str] | None = None) -> Replica:
        port, ops_port = self._port(name, index), self._ops_port(name, index)
        log = self.log_dir / (f"{name}.log" if index == 0 else f"{name}-{index}.log")
        # appended after the setup output of the same service
        process = self._run(name, "serve", self._env(name, port, env, ops_port), log, "ab")
        replica = Replica(name, index, port, log, process, ops_port)
        self.replicas[name].append(replica)
        return replica

    @staticmethod
    def _run(
        name: str, command: str, env: Mapping[str, str], log: Path, mode: str
    ) -> subprocess.Popen[bytes]:
        with log.open(mode) as out:
            return subprocess.Popen(
                [sys.executable, "-m", f"atelier.{name}", command],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # own process group: stopped as one, not by our Ctrl-C
            )

    async def _wait_ready(self, replica: Replica) -> None:
        deadline = time.monotonic() + self.ready_timeout
        last = "no answer"
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                if not replica.alive():
                    raise self._not_ready(replica, f"exited with code {replica.process.returncode}")
                try:
                    response = await client.get(f"{replica.ops_url}/health/ready")
                    if response.status_code == 200:
                        return
                    last = f"/health/ready answered {response.status_code}: {response.text[:200]}"
                except httpx.HTTPError as exc:
                    last = f"{type(exc).__name__} on /health/ready"
                if time.monotonic() > deadline:
                    raise self._not_ready(
                        replica, f"not ready after {self.ready_timeout:.0f}s ({last})"
                    )
                await asyncio.sleep(0.1)

    @staticmethod
    def _not_ready(replica: Replica, why: str) -> StackError:
        return StackError(
            f"{replica.service} (replica {replica.index}, {replica.url}) {why}; "
            f"last lines of {replica.log}:\n{log_tail(replica.log)}"
        )
