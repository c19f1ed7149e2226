"""The composition root: the app and the tests build the service here."""

from atelier.kit.runtime import Runtime
from atelier.gateway import models
from atelier.gateway.settings import GatewaySettings


def bootstrap(settings: GatewaySettings) -> Runtime:
    return Runtime(settings, outbox=models.outbox, inbox=models.inbox)
