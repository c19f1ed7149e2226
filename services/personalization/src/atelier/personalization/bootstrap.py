"""The composition root: the app and the tests build the service here."""

from atelier.kit.runtime import Runtime
from atelier.personalization import models, subscribers
from atelier.personalization.settings import PersonalizationSettings


def bootstrap(settings: PersonalizationSettings) -> Runtime:
    runtime = Runtime(settings, outbox=models.outbox, inbox=models.inbox)
    subscribers.register(runtime)
    return runtime
