"""Every service's command line: ``python -m atelier.<svc> [serve|setup|revision -m MSG|dlq …]``.

``setup`` is the deploy step (a Kubernetes Job, or ``make run``): it applies the service's
migrations as the owner of its tables, lets the service's own role use them (see
``grant_service_role``), and declares the streams the service owns, before any consumer binds to
them.
"""

import argparse
import asyncio
import importlib

import nats
import uvloop
from alembic import command

from atelier.kit import dlq
from atelier.kit.broker import declare_owned_streams, nats_options
from atelier.kit.db import Database
from atelier.kit.logs import configure_logging
from atelier.kit.migrations import alembic_config, upgrade
from atelier.kit.server import serve_until_signalled
from atelier.kit.settings import ServiceSettings
from atelier.kit.tables import kit_tables


async def setup(settings: ServiceSettings) -> None:
    password = settings.database_role_password
    await upgrade(settings.service, settings.database_url, role=settings.database_role,
                  role_password=password.get_secret_value() if password is not None else None)
    nc = await nats.connect(settings.nats_url, **nats_options(settings))
    try:
        await declare_owned_streams(nc.jetstream(), settings.service, settings.bus_namespace)
    finally:
        await nc.close()


async def dead_letters_command(
    settings: ServiceSettings, action: str, sequences: list[int] | None
) -> None:
    """``dlq list``: the dead letters, then the parked outbox rows (marked ``outbox``);
    ``dlq replay``: the dead letters back to their subjects; ``dlq retry-outbox``: the parked
    rows back to the relay. ``--seq`` picks some (stream sequences, or outbox seqs)."""
    chosen = set(sequences or []) or None
    if action in ("list", "replay"):
        nc = await nats.connect(settings.nats_url, **nats_options(settings))
        try:
            js, ns = nc.jetstream(), settings.bus_namespace
            if action == "list":
                letters = await dlq.dead_letters(js, settings.service, ns)
            else:
                letters = await dlq.replay(js, settings.service, ns, chosen)
        finally:
            await nc.close()
        for letter in letters:
            print(f"{letter.sequence}\t{letter.subject}\t{letter.consumer}\t{letter.reason}")
        print(f"{len(letters)} dead letter(s) {'replayed' if action == 'replay' else 'in store'}")
    if action in ("list", "retry-outbox"):
        db = Database(settings.database_url, settings.database_schema)
        outbox = kit_tables(settings.database_schema).outbox
        try:
            if action == "list":
                rows = await dlq.parked_rows(db, outbox)
            else:
                rows = await dlq.retry_parked(db, outbox, chosen)
        finally:
            await db.dispose()
        for row in rows:
            print(f"outbox {row.seq}\t{row.subject}\tparked after {row.attempts} attempt(s)\t"
                  f"{row.reason}")
        done = "sent back to the relay" if action == "retry-outbox" else "parked"
        print(f"{len(rows)} outbox row(s) {done}")


def main(settings_cls: type[ServiceSettings], argv: list[str] | None = None) -> None:
    service = settings_cls.service
    parser = argparse.ArgumentParser(prog=f"atelier-{service}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the service (HTTP, consumers, outbox relay)")
    sub.add_parser("setup", help="apply migrations and declare the streams this service owns")
    revision = sub.add_parser("revision", help="create a new migration")
    revision.add_argument("-m", "--message", required=True)
    dead = sub.add_parser(
        "dlq", help="list this service's dead letters and parked outbox rows; replay the "
        "dead letters or retry the parked rows once the cause is fixed",
    )
    dead.add_argument("action", choices=["list", "replay", "retry-outbox"])
    dead.add_argument("--seq", type=int, action="append",
                      help="only these (dead letters' stream sequences, outbox rows' seq)")
    args = parser.parse_args(argv)
    settings = settings_cls()
    # before the server or alembic say anything; the app factory configures the same again
    configure_logging(service, settings.log_level, settings.log_json)
    if args.command == "setup":
        asyncio.run(setup(settings))
    elif args.command == "dlq":
        asyncio.run(dead_letters_command(settings, args.action, args.seq))
    elif args.command == "revision":
        command.revision(alembic_config(service, settings.database_url), message=args.message)
    else:
        app = importlib.import_module(f"atelier.{service}.app").create_app(settings)
        uvloop.run(serve_until_signalled(app, settings))
