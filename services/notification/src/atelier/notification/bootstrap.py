"""The composition root: the app and the tests build the service here."""

from atelier.kit.runtime import Runtime
from atelier.notification.settings import NotificationSettings


def bootstrap(settings: NotificationSettings) -> Runtime:
    return Runtime(settings)
