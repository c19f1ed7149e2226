"""The composition root: the app and the tests build the service here."""

from atelier.ingress import models
from atelier.ingress.settings import IngressSettings
from atelier.kit.runtime import Runtime


def bootstrap(settings: IngressSettings) -> Runtime:
    return Runtime(settings, outbox=models.outbox, inbox=models.inbox)
