"""The composition root: the app and the tests build the service here."""

from atelier.ingress import subscribers
from atelier.ingress.repository import IngressRepository
from atelier.ingress.settings import IngressSettings
from atelier.kit.runtime import Runtime


def bootstrap(settings: IngressSettings) -> Runtime:
    runtime = Runtime(settings, repository=IngressRepository)
    subscribers.register(runtime)
    return runtime
