"""The composition root: the app and the tests build the service here."""

from atelier.ingress.settings import IngressSettings
from atelier.kit.runtime import Runtime


def bootstrap(settings: IngressSettings) -> Runtime:
    return Runtime(settings)
