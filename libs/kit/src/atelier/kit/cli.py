"""Every service's command line: ``python -m atelier.<svc> [serve|setup|revision -m MSG]``.

``setup`` is the deploy step (a Kubernetes Job, or ``make run``): it applies the service's
migrations as the owner of its tables, lets the service's own role use them (see
``grant_service_role``), and declares the streams the service owns, before any consumer binds to
them.
"""

import argparse
import asyncio

import nats
import uvicorn
from alembic import command

from atelier.kit import dlq
from atelier.kit.broker import declare_owned_streams, nats_options
from atelier.kit.logs import configure_logging
from atelier.kit.migrations import alembic_config, upgrade
from atelier.kit.server import CombinedWritesProtocol
from atelier.kit.settings import ServiceSettings


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
    nc = await nats.connect(settings.nats_url, **nats_options(settings))
    try:
        js, ns = nc.jetstream(), settings.bus_namespace
        if action == "list":
            letters = await dlq.dead_letters(js, settings.service, ns)
        else:
            letters = await dlq.replay(js, settings.service, ns, set(sequences or []) or None)
        for letter in letters:
            print(f"{letter.sequence}\t{letter.subject}\t{letter.consumer}\t{letter.reason}")
        print(f"{len(letters)} dead letter(s) {'replayed' if action == 'replay' else 'in store'}")
    finally:
        await nc.close()


def main(settings_cls: type[ServiceSettings], argv: list[str] | None = None) -> None:
    service = settings_cls.service
    parser = argparse.ArgumentParser(prog=f"atelier-{service}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the service (HTTP, consumers, outbox relay)")
    sub.add_parser("setup", help="apply migrations and declare the streams this service owns")
    revision = sub.add_parser("revision", help="create a new migration")
    revision.add_argument("-m", "--message", required=True)
    dead = sub.add_parser("dlq", help="list or replay this service's dead letters")
    dead.add_argument("action", choices=["list", "replay"])
    dead.add_argument("--seq", type=int, action="append", help="only these stream sequences")
    args = parser.parse_args(argv)
    settings = settings_cls()
    # before uvicorn or alembic say anything; the app factory configures the same again
    configure_logging(service, settings.log_level, settings.log_json)
    if args.command == "setup":
        asyncio.run(setup(settings))
    elif args.command == "dlq":
        asyncio.run(dead_letters_command(settings, args.action, args.seq))
    elif args.command == "revision":
        command.revision(alembic_config(service, settings.database_url), message=args.message)
    else:
        uvicorn.run(
            f"atelier.{service}.app:create_app",
            factory=True,
            host=settings.http_host,
            port=settings.http_port,
            log_config=None,
            access_log=False,
            lifespan="on",
            http=CombinedWritesProtocol,
            # the gateway reads X-Forwarded-For itself, from its own trusted proxies only
            proxy_headers=False,
        )
