from litestar import Litestar

from atelier.ingress.bootstrap import bootstrap
from atelier.ingress.settings import IngressSettings
from atelier.kit.http import service_app


def create_app(settings: IngressSettings | None = None) -> Litestar:
    return service_app(bootstrap(settings or IngressSettings()))
