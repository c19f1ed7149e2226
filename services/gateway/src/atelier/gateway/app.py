from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware

from atelier.gateway import auth, http
from atelier.gateway.auth import BrandCors, Keys
from atelier.gateway.bodies import Body, check_body
from atelier.gateway.bootstrap import bootstrap
from atelier.gateway.http import idempotency
from atelier.gateway.limits import RateLimits, TokenBuckets
from atelier.gateway.openapi import Schemas, openapi_config
from atelier.gateway.settings import GatewaySettings
from atelier.gateway.tokens import AdminTokens
from atelier.gateway.watch import RenderWatch
from atelier.gateway.widget import WidgetFiles
from atelier.kit.http import service_app
from atelier.kit.runtime import Runtime


async def before_request(request: Request) -> None:
    """Who may call the route first, then the body (see ``auth``)."""
    await auth.authorize(request)
    await check_body(request)


def rate_limits(runtime: Runtime, settings: GatewaySettings) -> RateLimits:
    return RateLimits(
        runtime.metrics.registry,
        per_address=TokenBuckets(settings.rate_per_address_per_s, settings.burst_per_address),
        per_key=TokenBuckets(settings.rate_per_key_per_s, settings.burst_per_key),
        trusted_proxies=settings.trusted_proxies,
    )


def create_app(settings: GatewaySettings | None = None) -> Litestar:
    settings = settings or GatewaySettings()
    runtime = bootstrap(settings)
    watch = RenderWatch()
    watch.listen(runtime.bus)
    widget_files = WidgetFiles(settings.widget_dir, settings.widget_previous_dirs)
    return service_app(
        runtime,
        http.routes(),
        middleware=[DefineMiddleware(BrandCors, max_age_s=settings.cors_max_age_s)],
        request_max_body_size=settings.request_max_body_size,
        state=State({"settings": settings, "api_keys": Keys(runtime, settings.key_cache_ttl_s),
                     "rate_limits": rate_limits(runtime, settings),
                     "admin_tokens": AdminTokens(settings), "widget_files": widget_files}),
        dependencies={
            "runtime": Provide(lambda: runtime, sync_to_thread=False),
            "caller": Provide(auth.caller, sync_to_thread=False),
            "once": Provide(idempotency.once, sync_to_thread=False),
            "watch": Provide(lambda: watch, sync_to_thread=False),
        },
        dto=Body,  # every body is read and documented by Body; handlers encode their responses
        return_dto=None,
        before_request=before_request,
        openapi_config=openapi_config(),
        plugins=[Schemas()],  # bodies documented by the models that check them
    )
