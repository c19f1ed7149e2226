"""Brands: created by the platform operator; read and configured by their admins."""

from litestar import Request, Response, get, post, put
from litestar.params import JSONBody

from atelier.gateway import schemas
from atelier.gateway.handlers import brands as handlers
from atelier.gateway.http.common import (
    ADMIN,
    KEYED,
    PLATFORM,
    WITH_BODY,
    AppRuntime,
    KeyCaller,
    json_response,
    problems,
)
from atelier.gateway.http.idempotency import RefusedKey, refuse_key

# --- platform -------------------------------------------------------------------------------


@post("/v1/platform/brands", **PLATFORM,
      responses=problems(400, 401, 404, 413, 422, 429))
async def create_brand(
    runtime: AppRuntime, data: JSONBody[schemas.CreateBrand], idempotency_key: RefusedKey = None
) -> Response[schemas.BrandCreated]:
    """A brand and its two keys, shown only in this answer (so, like ``POST /v1/admin/keys``,
    it refuses an Idempotency-Key)."""
    refuse_key(idempotency_key)
    created = await handlers.create_brand(runtime, data)
    # the secret key, once
    return json_response(created, 201, headers={"Cache-Control": "no-store"})


# --- admin: the brand -----------------------------------------------------------------------


@get("/v1/admin/brand", **ADMIN, responses=KEYED)
async def brand(runtime: AppRuntime, caller: KeyCaller) -> Response[schemas.Brand]:
    """The caller's brand: its name and the storefront origins its widget may call from."""
    return json_response(await handlers.brand(runtime, caller))


@put("/v1/admin/brand/allowed-origins", **ADMIN, responses=WITH_BODY)
async def set_allowed_origins(
    request: Request, runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.BrandOrigins]
) -> Response[schemas.Brand]:
    """Replace the origins (``https://shop.example``) the widget may call from: at once in this
    gateway process, in every other one within ``key_cache_ttl_s``."""
    keys = request.app.state.api_keys
    return json_response(await handlers.set_allowed_origins(runtime, caller, keys, data))
