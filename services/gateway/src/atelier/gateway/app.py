from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from atelier.gateway import auth, http
from atelier.gateway.auth import BrandCors, Keys
from atelier.gateway.bodies import Body, refuse_empty_body
from atelier.gateway.bootstrap import bootstrap
from atelier.gateway.settings import GatewaySettings
from atelier.kit.http import service_app


def create_app(settings: GatewaySettings | None = None) -> Litestar:
    settings = settings or GatewaySettings()
    runtime = bootstrap(settings)
    return service_app(
        runtime,
        http.routes(),
        middleware=[BrandCors(settings.cors_max_age_s)],
        request_max_body_size=settings.request_max_body_size,
        state=State({"settings": settings, "api_keys": Keys(runtime, settings.key_cache_ttl_s)}),
        dependencies={
            "runtime": Provide(lambda: runtime, sync_to_thread=False),
            "caller": Provide(auth.caller, sync_to_thread=False),
        },
        dto=Body,  # every body is read and documented by Body; handlers encode their responses
        return_dto=None,
        before_request=refuse_empty_body,
    )
