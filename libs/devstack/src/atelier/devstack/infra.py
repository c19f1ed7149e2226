"""PostgreSQL and NATS for ``make run``: the ones already running at the configured addresses,
else our own under ``var/`` when their programs are installed, else a message saying what to
start."""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
from sqlalchemy.engine import make_url

from atelier.kit.db import asyncpg_dsn
from atelier.kit.testing.servers import NATS_SERVER, free_port, wait_for_port

START_WITH_DOCKER = "docker compose up -d nats postgres"


class InfraUnavailable(RuntimeError):
    """Neither a running server nor its program: the message says what to start."""


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian/Ubuntu layout)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def nats_bin() -> Path | None:
    return Path(NATS_SERVER) if Path(NATS_SERVER).exists() else None


async def ensure_database(database_url: str) -> None:
    """Create the URL's database when the server has no such database yet."""
    url = make_url(database_url)
    maintenance = asyncpg_dsn(url.set(database="postgres").render_as_string(hide_password=False))
    conn = await asyncpg.connect(maintenance)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname=$1", url.database):
            await conn.execute(f'CREATE DATABASE "{url.database}"')
    finally:
        await conn.close()


class LocalPostgres:
    """A cluster of our own under ``root`` (initdb once, started on a free port). Postgres refuses
    to run as root, so as root every command runs as the ``postgres`` user."""

    def __init__(self, root: Path, bindir: Path) -> None:
        self.root = root.resolve()
        self.data = self.root / "data"
        self.bindir = bindir
        self.port = 0

    def _as_owner(self, *argv: str) -> list[str]:
        command = [str(self.bindir / argv[0]), *argv[1:]]
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(self._as_owner(*argv), capture_output=True, text=True)
        if check and done.returncode != 0:
            raise InfraUnavailable(
                f"{' '.join(argv[:2])} failed (exit code {done.returncode}):\n"
                f"{done.stdout}{done.stderr}\nOr start one with: {START_WITH_DOCKER}"
            )
        return done

    def start(self) -> str:
        """Start the cluster and return its URL (user postgres, trust authentication)."""
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                      "-E", "UTF8", "--no-instructions")
        if self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0:
            self.stop()  # left over from a run that was killed: its port is not ours to know
        self.port = free_port()
        # no Unix socket: TCP on 127.0.0.1 only, so nothing depends on a socket directory
        options = f"-p {self.port} -h 127.0.0.1 -k ''"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "postgres.log"),
                  "-o", options, "-w", "-t", "60", "start")
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/atelier"

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)


class LocalNats:
    """``nats-server -js`` of our own with its store under ``store``."""

    def __init__(self, store: Path, binary: Path, port: int, log: Path) -> None:
        self.store = store.resolve()
        self.binary = binary
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        self.store.mkdir(parents=True, exist_ok=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(self.binary), "-js", "-a", "127.0.0.1", "-p", str(self.port),
                 "-sd", str(self.store)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            wait_for_port(self.port, timeout=15)
        except TimeoutError as exc:
            self.stop()
            raise InfraUnavailable(f"nats-server did not start; see {self.log}") from exc
        return f"nats://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None


@dataclass
class Infra:
    """The addresses to use, and the servers we started (stopped by ``stop``)."""

    database_url: str
    nats_url: str
    notes: list[str] = field(default_factory=list)
    postgres: LocalPostgres | None = None
    nats: LocalNats | None = None

    def stop(self) -> None:
        if self.nats is not None:
            self.nats.stop()
        if self.postgres is not None:
            self.postgres.stop()


async def prepare_infra(database_url: str, nats_url: str, var: Path) -> Infra:
    """Use the servers at the given URLs, or start our own under ``var``; raises
    :class:`InfraUnavailable` (after stopping what it started) when neither is possible."""
    infra = Infra(database_url, nats_url)
    try:
        _postgres(infra, var)
        await ensure_database(infra.database_url)
        _nats(infra, var)
    except BaseException:
        infra.stop()
        raise
    return infra


def _postgres(infra: Infra, var: Path) -> None:
    url = make_url(infra.database_url)
    host, port = url.host or "127.0.0.1", url.port or 5432
    if answers(host, port):
        infra.notes.append(f"PostgreSQL: using the one at {host}:{port}")
        return
    bindir = postgres_bin()
    if bindir is None:
        raise InfraUnavailable(
            f"PostgreSQL does not answer at {host}:{port} and is not installed here.\n"
            f"Start it with:  {START_WITH_DOCKER}\n"
            "(or point ATELIER_DATABASE_URL at a running server)"
        )
    infra.postgres = LocalPostgres(var / "postgres", bindir)
    infra.database_url = infra.postgres.start()
    infra.notes.append(
        f"PostgreSQL: started our own under {infra.postgres.root} on port {infra.postgres.port}"
    )


def _nats(infra: Infra, var: Path) -> None:
    parts = urlsplit(infra.nats_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 4222
    if answers(host, port):
        infra.notes.append(f"NATS: using the one at {host}:{port}")
        return
    binary = nats_bin()
    if binary is None:
        raise InfraUnavailable(
            f"NATS does not answer at {host}:{port} and nats-server is not installed here.\n"
            f"Start it with:  {START_WITH_DOCKER}\n"
            "(or point ATELIER_NATS_URL at a running server with JetStream)"
        )
    infra.nats = LocalNats(var / "nats", binary, port, var / "log" / "nats.log")
    infra.nats_url = infra.nats.start()
    infra.notes.append(f"NATS: started our own (JetStream in {infra.nats.store}) on port {port}")
