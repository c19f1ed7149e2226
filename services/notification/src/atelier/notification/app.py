from litestar import Litestar

from atelier.kit.http import service_app
from atelier.notification.bootstrap import bootstrap
from atelier.notification.settings import NotificationSettings


def create_app(settings: NotificationSettings | None = None) -> Litestar:
    return service_app(bootstrap(settings or NotificationSettings()))
