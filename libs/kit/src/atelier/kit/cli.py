"""Every service's command line: ``python -m atelier.<svc> [serve|setup|revision -m MSG]``.

``setup`` is the deploy step (a Kubernetes Job, or ``make run``): it applies the service's
migrations and declares the streams the service owns, before any consumer binds to them.
"""

import argparse
import asyncio

import nats
import uvicorn
from alembic import command

from atelier.kit.broker import declare_owned_streams
from atelier.kit.logs import configure_logging
from atelier.kit.migrations import alembic_config, upgrade
from atelier.kit.settings import ServiceSettings


async def setup(settings: ServiceSettings) -> None:
    await upgrade(settings.service, settings.database_url)
    nc = await nats.connect(settings.nats_url)
    try:
        await declare_owned_streams(nc.jetstream(), settings.service, settings.bus_namespace)
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
    args = parser.parse_args(argv)
    settings = settings_cls()
    # before uvicorn or alembic say anything; the app factory configures the same again
    configure_logging(service, settings.log_level, settings.log_json)
    if args.command == "setup":
        asyncio.run(setup(settings))
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
        )
