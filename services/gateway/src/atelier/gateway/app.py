from litestar import Litestar
from litestar.di import Provide

from atelier.gateway import http
from atelier.gateway.auth import BrandCors, Keys
from atelier.gateway.bootstrap import bootstrap
from atelier.gateway.settings import GatewaySettings
from atelier.kit.http import service_app


def create_app(settings: GatewaySettings | None = None) -> Litestar:
    settings = settings or GatewaySettings()
    runtime = bootstrap(settings)
    keys = Keys(runtime, settings.key_cache_ttl_s)
    return service_app(
        runtime,
        http.routes(),
        middleware=[BrandCors(settings.cors_max_age_s)],
        request_max_body_size=settings.request_max_body_size,
        dependencies={
            "runtime": Provide(lambda: runtime, sync_to_thread=False),
            "keys": Provide(lambda: keys, sync_to_thread=False),
        },
    )
