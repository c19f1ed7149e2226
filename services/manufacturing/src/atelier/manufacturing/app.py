from litestar import Litestar

from atelier.kit.http import service_app
from atelier.manufacturing.bootstrap import bootstrap
from atelier.manufacturing.settings import ManufacturingSettings


def create_app(settings: ManufacturingSettings | None = None) -> Litestar:
    return service_app(bootstrap(settings or ManufacturingSettings()))
