"""The composition root: the app and the tests build the service here."""

from atelier.kit.runtime import Runtime
from atelier.spec import models, subscribers
from atelier.spec.settings import SpecSettings


def bootstrap(settings: SpecSettings) -> Runtime:
    runtime = Runtime(settings, outbox=models.outbox, inbox=models.inbox)
    subscribers.register(runtime)
    return runtime
