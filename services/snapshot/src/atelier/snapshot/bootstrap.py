"""The composition root: the app and the tests build the service here."""

from atelier.kit.runtime import Runtime
from atelier.snapshot import models, subscribers
from atelier.snapshot.settings import SnapshotSettings


def bootstrap(settings: SnapshotSettings) -> Runtime:
    runtime = Runtime(settings, outbox=models.outbox, inbox=models.inbox)
    subscribers.register(runtime)
    return runtime
