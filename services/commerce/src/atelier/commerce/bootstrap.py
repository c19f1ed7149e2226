"""The composition root: the app and the tests build the service here."""

from atelier.commerce import handlers, subscribers
from atelier.commerce.repository import CommerceRepository
from atelier.commerce.settings import CommerceSettings
from atelier.kit.runtime import Runtime


def bootstrap(settings: CommerceSettings, snapshots: handlers.Snapshots | None = None
              ) -> Runtime:
    """``snapshots``: the snapshot service to ask (tests give a fake); by default over the bus."""
    runtime = Runtime(settings, repository=CommerceRepository)
    subscribers.register(runtime, snapshots or subscribers.BusSnapshots(runtime))
    return runtime
