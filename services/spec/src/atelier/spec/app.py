from litestar import Litestar

from atelier.kit.http import service_app
from atelier.spec.bootstrap import bootstrap
from atelier.spec.settings import SpecSettings


def create_app(settings: SpecSettings | None = None) -> Litestar:
    return service_app(bootstrap(settings or SpecSettings()))
