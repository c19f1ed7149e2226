"""The composition root: the app and the tests build the service here."""

from atelier.kit.delivery import Units
from atelier.kit.runtime import Runtime
from atelier.snapshot import subscribers
from atelier.snapshot.repository import SnapshotRepository
from atelier.snapshot.settings import SnapshotSettings


def bootstrap(settings: SnapshotSettings, units: Units | None = None) -> Runtime:
    """``units``: the units of work to use instead of Postgres's (tests give fakes)."""
    runtime = Runtime(settings, repository=SnapshotRepository, units=units)
    subscribers.register(runtime)
    return runtime
