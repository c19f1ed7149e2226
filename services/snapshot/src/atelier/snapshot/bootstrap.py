"""The composition root: the app and the tests build the service here."""

from atelier.kit.runtime import Runtime
from atelier.snapshot import subscribers
from atelier.snapshot.settings import SnapshotSettings


def bootstrap(settings: SnapshotSettings) -> Runtime:
    runtime = Runtime(settings)
    subscribers.register(runtime)
    return runtime
