"""The composition root: the app and the tests build the service here."""

from atelier.commerce import handlers, payments, subscribers
from atelier.commerce.repository import CommerceRepository
from atelier.commerce.settings import CommerceSettings
from atelier.kit.runtime import Runtime


def bootstrap(settings: CommerceSettings, snapshots: handlers.Snapshots | None = None
              ) -> Runtime:
    """``snapshots``: the snapshot service to ask (tests give a fake); by default over the bus.
    Stripe is the SDK's, pointed at ``stripe_api_base``, when a secret key is set."""
    runtime = Runtime(settings, repository=CommerceRepository)
    subscribers.register(runtime, snapshots or subscribers.BusSnapshots(runtime),
                         payments.from_settings(settings))
    return runtime
