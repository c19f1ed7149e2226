"""The composition root: the app and the tests build the service here."""

from atelier.kit.runtime import Runtime
from atelier.render import models
from atelier.render.settings import RenderSettings


def bootstrap(settings: RenderSettings) -> Runtime:
    return Runtime(settings, outbox=models.outbox, inbox=models.inbox)
