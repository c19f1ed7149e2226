from litestar import Litestar

from atelier.kit.http import service_app
from atelier.personalization.bootstrap import bootstrap
from atelier.personalization.settings import PersonalizationSettings


def create_app(settings: PersonalizationSettings | None = None) -> Litestar:
    return service_app(bootstrap(settings or PersonalizationSettings()))
