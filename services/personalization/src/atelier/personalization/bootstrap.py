"""The composition root: the app and the tests build the service here."""

from atelier.kit.runtime import Runtime
from atelier.personalization import models
from atelier.personalization.settings import PersonalizationSettings


def bootstrap(settings: PersonalizationSettings) -> Runtime:
    return Runtime(settings, outbox=models.outbox, inbox=models.inbox)
