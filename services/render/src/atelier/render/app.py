from litestar import Litestar

from atelier.kit.http import service_app
from atelier.render.bootstrap import bootstrap
from atelier.render.settings import RenderSettings


def create_app(settings: RenderSettings | None = None) -> Litestar:
    return service_app(bootstrap(settings or RenderSettings()))
