"""The composition root: the app and the tests build the service here."""

from atelier.commerce.settings import CommerceSettings
from atelier.kit.runtime import Runtime


def bootstrap(settings: CommerceSettings) -> Runtime:
    return Runtime(settings)
