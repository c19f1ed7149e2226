"""``python -m atelier.devstack run`` (``make run``): the whole system on this machine until
Ctrl-C or SIGTERM, which stop every process and exit 0."""

import argparse
import asyncio
import os
import secrets
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from atelier.devstack.demo import SeedFailed, instructions, seed
from atelier.devstack.infra import InfraUnavailable, prepare_infra
from atelier.devstack.stack import DEFAULT_PORTS, Stack, StackError, log_tail
from atelier.devstack.storefront import Shop, Storefront
from atelier.kit.settings import ServiceSettings
from atelier.kit.testing.mailsink import MailSink

WATCH_INTERVAL_S = 1.0


def say(text: str) -> None:
    print(text, flush=True)


async def run(var: Path, demo: bool) -> int:
    defaults = ServiceSettings.model_fields
    database_url = os.environ.get("ATELIER_DATABASE_URL", defaults["database_url"].default)
    nats_url = os.environ.get("ATELIER_NATS_URL", defaults["nats_url"].default)
    try:
        infra = await prepare_infra(database_url, nats_url, var)
    except InfraUnavailable as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        for note in infra.notes:
            say(note)
        return await _serve(infra.database_url, infra.nats_url, var, demo)
    finally:
        infra.stop()


async def _serve(database_url: str, nats_url: str, var: Path, demo: bool) -> int:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    token = secrets.token_urlsafe(32)
    # the emails go to a local SMTP server that keeps each one as a file (on a free port: a
    # Mailpit of compose may hold 1025)
    mail = MailSink(directory=(var / "mail").resolve(), announce=lambda received, path: say(
        f"Email {received.message['Subject']!r}: {path}")).start()
    stack = Stack(
        database_url=database_url,
        nats_url=nats_url,
        storage_dir=var / "objects",
        log_dir=var / "log",
        ports=DEFAULT_PORTS,
        service_env={"gateway": {"ATELIER_GATEWAY_PLATFORM_TOKEN": token},
                     "notification": {"ATELIER_NOTIFICATION_SMTP_PORT": str(mail.port),
                                      "ATELIER_NOTIFICATION_PUBLIC_URL":
                                      f"http://127.0.0.1:{DEFAULT_PORTS['gateway']}"}},
    )
    try:
        return await _run_stack(stack, mail, token, demo, stopping)
    finally:
        mail.stop()


async def _run_stack(stack: Stack, mail: MailSink, token: str, demo: bool,
                     stopping: asyncio.Event) -> int:
    say(f"Setting up and starting {len(stack.services)} services; logs in {stack.log_dir}/")
    if not await _until_stopped(stack.start(), stopping):
        say("Stopped before the system was up.")
        return 0
    store: Storefront | None = None
    try:
        say("Every service is ready (health, metrics and /schema on the second URL, where there "
            "is one):")
        for name in stack.services:
            ops = stack.ops_url(name)
            say(f"  {name:<16} {stack.url(name)}" + (f"  ops {ops}" if ops != stack.url(name)
                                                      else ""))
        store = await _seed(stack.gateway_url, token) if demo else None
        say(f"Emails: delivered to the local SMTP server on 127.0.0.1:{mail.port}, each kept as "
            f"{mail.directory}/<time>-<n>.eml (open it in any mail client, or read it as text).")
        say(f"Logs: {stack.log_dir}/<service>.log. Ctrl-C stops everything.")
        await _watch(stack, stopping)
        say("Stopping…")
    finally:
        if store is not None:
            store.stop()
        await stack.stop()
    say("Stopped.")
    return 0


async def _until_stopped(start: Coroutine[Any, Any, None], stopping: asyncio.Event) -> bool:
    """Run the stack's start, unless a signal comes first (then it is cancelled and cleaned up).
    Raises what start raises."""
    starting = asyncio.ensure_future(start)
    signalled = asyncio.ensure_future(stopping.wait())
    await asyncio.wait({starting, signalled}, return_when=asyncio.FIRST_COMPLETED)
    if starting.done():
        signalled.cancel()
        starting.result()
        return True
    starting.cancel()
    await asyncio.gather(starting, return_exceptions=True)
    return False


async def _seed(gateway_url: str, token: str) -> Storefront | None:
    """The demo brand and products, and the demo storefront with the widget on it."""
    try:
        demo = await seed(gateway_url, token)
    except SeedFailed as exc:
        say(f"Could not seed the demo ({exc}).\nThe services run; see the gateway's log.")
        return None
    say("")
    say(instructions(gateway_url, demo))
    say("")
    products = {demo.product_id: "Engraved Pen", demo.frame_id: "Photo Frame",
                demo.mug_id: "Mug", demo.tag_id: "Brass Tag"}
    try:
        store = Storefront(Shop(gateway_url, demo.publishable_key, products)).start()
    except OSError as exc:
        say(f"The demo storefront could not listen on its port ({exc}).")
        return None
    say(f"Demo storefront with the widget (its cart is a local stand-in): {store.url}")
    return store


async def _watch(stack: Stack, stopping: asyncio.Event) -> None:
    """Wait for a signal, reporting (once) any service that exits on its own."""
    reported: set[int] = set()
    while not stopping.is_set():
        for replica in stack.exited():
            if replica.pid not in reported:
                reported.add(replica.pid)
                say(f"{replica.service} exited (code {replica.process.returncode}); "
                    f"last lines of {replica.log}:\n{log_tail(replica.log)}")
        try:
            await asyncio.wait_for(stopping.wait(), WATCH_INTERVAL_S)
        except TimeoutError:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m atelier.devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    run_cmd = sub.add_parser("run", help="run the whole system here until Ctrl-C")
    run_cmd.add_argument("--var", default="var", help="directory for logs, objects, own servers")
    run_cmd.add_argument("--no-demo", action="store_true", help="do not seed the demo brand")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(run(Path(args.var).resolve(), demo=not args.no_demo))
    except StackError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
