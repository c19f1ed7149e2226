"""The composition root: the app and the tests build the service here."""

from atelier.kit.delivery import Units
from atelier.kit.runtime import Runtime
from atelier.spec import subscribers
from atelier.spec.repository import SpecRepository
from atelier.spec.settings import SpecSettings


def bootstrap(settings: SpecSettings, units: Units | None = None) -> Runtime:
    """``units``: the units of work to use instead of Postgres's (tests give fakes)."""
    runtime = Runtime(settings, repository=SpecRepository, units=units)
    subscribers.register(runtime)
    return runtime
