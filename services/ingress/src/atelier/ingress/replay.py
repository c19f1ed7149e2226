"""``python -m atelier.ingress.replay DELIVERY_ID``: hand a stored delivery on again, once
what failed downstream is fixed (its consumers are idempotent on what it is about)."""

import argparse
import asyncio

from atelier.ingress import handlers
from atelier.ingress.bootstrap import bootstrap
from atelier.ingress.settings import IngressSettings


async def main(delivery_id: str) -> None:
    runtime = bootstrap(IngressSettings(run_relay=True))
    await runtime.start()
    try:
        again = await handlers.replay(runtime, delivery_id)
        await runtime.relay.relay_once()  # published before this process ends
        print(f"replayed {again.source.value} {again.topic} {again.event_id} ({delivery_id})")
    finally:
        await runtime.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m atelier.ingress.replay")
    parser.add_argument("delivery_id")
    asyncio.run(main(parser.parse_args().delivery_id))
