"""The composition root: the app and the tests build the service here."""

from atelier.kit.runtime import Runtime
from atelier.manufacturing.settings import ManufacturingSettings


def bootstrap(settings: ManufacturingSettings) -> Runtime:
    return Runtime(settings)
