from litestar import Litestar

from atelier.ingress.bootstrap import bootstrap
from atelier.ingress.http import routes
from atelier.ingress.settings import IngressSettings
from atelier.kit.http import service_app


def create_app(settings: IngressSettings | None = None) -> Litestar:
    settings = settings or IngressSettings()
    runtime = bootstrap(settings)
    return service_app(runtime, routes(runtime, settings),
                       request_max_body_size=settings.max_body_bytes)
