from litestar import Litestar

from atelier.kit.http import service_app
from atelier.gateway.bootstrap import bootstrap
from atelier.gateway.settings import GatewaySettings


def create_app(settings: GatewaySettings | None = None) -> Litestar:
    return service_app(bootstrap(settings or GatewaySettings()))
