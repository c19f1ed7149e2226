"""The composition root: the app and the tests build the service here."""

from atelier.gateway import models
from atelier.gateway.settings import GatewaySettings
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectStore, store_from_settings


def bootstrap(settings: GatewaySettings, store: ObjectStore | None = None) -> Runtime:
    return Runtime(
        settings,
        outbox=models.outbox,
        inbox=models.inbox,
        store=store or store_from_settings(settings),
    )
