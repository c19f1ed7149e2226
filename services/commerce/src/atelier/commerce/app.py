from litestar import Litestar

from atelier.commerce.bootstrap import bootstrap
from atelier.commerce.settings import CommerceSettings
from atelier.kit.http import service_app


def create_app(settings: CommerceSettings | None = None) -> Litestar:
    return service_app(bootstrap(settings or CommerceSettings()))
