"""The composition root: the app and the tests build the service here."""

from atelier.kit.runtime import Runtime
from atelier.spec import subscribers
from atelier.spec.settings import SpecSettings


def bootstrap(settings: SpecSettings) -> Runtime:
    runtime = Runtime(settings)
    subscribers.register(runtime)
    return runtime
