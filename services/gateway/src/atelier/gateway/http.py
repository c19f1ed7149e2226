"""The public HTTP API: thin controllers that translate requests to use cases and back."""

import asyncio
from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from pydantic import BaseModel

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.personalization import CreateProduct
from atelier.gateway import auth, domain, handlers, schemas
from atelier.gateway.auth import Caller
from atelier.gateway.settings import GatewaySettings
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.http import parse_body
from atelier.kit.runtime import Runtime
from atelier.typeset.fonts import shipped_font

AppRuntime = NamedDependency[Runtime]  # provided by create_app
KeyCaller = NamedDependency[Caller]  # provided per route: WIDGET or ADMIN
WIDGET = {"caller": Provide(auth.widget_caller)}
ADMIN = {"caller": Provide(auth.admin_caller)}
CONFIG_CACHE = "public, max-age=60"
IMMUTABLE = "public, max-age=31536000, immutable"
PUBLIC_FILE = {
    "Cache-Control": IMMUTABLE,
    "Access-Control-Allow-Origin": "*",  # fonts and textures are fetched cross-origin
    "X-Content-Type-Options": "nosniff",
}


def _json(
    model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        content=model.model_dump_json().encode(),
        status_code=status_code,
        media_type=MediaType.JSON,
        headers=headers,
    )


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= 255 and key.isascii() and key.isprintable()):
        message = "An Idempotency-Key is 1 to 255 printable ASCII characters."
        raise Invalid(message, [ErrorItem(field="Idempotency-Key", code=ErrorCode.INVALID_FIELD,
                                          message=message)])
    return key


@post("/v1/platform/brands")
async def create_brand(request: Request, runtime: AppRuntime) -> Response:
    settings: GatewaySettings = runtime.settings  # type: ignore[assignment]
    auth.require_platform_token(request, settings)
    brand = parse_body(schemas.CreateBrand, await request.body())
    created = await handlers.create_brand(runtime, brand)
    return _json(created, 201, headers={"Cache-Control": "no-store"})  # the secret key, once


@post("/v1/admin/products", dependencies=ADMIN)
async def create_product(request: Request, runtime: AppRuntime, caller: KeyCaller) -> Response:
    product = parse_body(CreateProduct, await request.body())
    return _json(await handlers.create_product(runtime, caller, product), 201)


@get("/v1/widget/products/{product_id:str}/config", dependencies=WIDGET)
async def product_config(
    request: Request, runtime: AppRuntime, caller: KeyCaller, product_id: FromPath[str]
) -> Response:
    body = (await handlers.product_config(runtime, caller, product_id)).model_dump_json().encode()
    etag = domain.etag_of(body)
    # Vary on the key: a shared cache must not answer one brand's key with another's response
    headers = {"ETag": etag, "Cache-Control": CONFIG_CACHE, "Vary": auth.KEY_HEADER}
    if domain.etag_matches(request.headers.get("if-none-match"), etag):
        return Response(content=b"", status_code=304, headers=headers)
    return Response(content=body, media_type=MediaType.JSON, headers=headers)


@post("/v1/personalization/validate", dependencies=WIDGET)
async def validate(request: Request, runtime: AppRuntime, caller: KeyCaller) -> Response:
    design = parse_body(schemas.Design, await request.body())
    result = await handlers.validate(runtime, caller, design)
    return _json(schemas.Validation.model_validate(result.model_dump(exclude={"design"})))


@post("/v1/snapshots", dependencies=WIDGET)
async def create_snapshot(request: Request, runtime: AppRuntime, caller: KeyCaller) -> Response:
    key = idempotency_key(request)
    design = parse_body(schemas.Design, await request.body())
    stored = await handlers.create_snapshot_once(runtime, caller, design, key)
    return Response(
        content=stored.body.encode(),
        status_code=stored.status_code,
        media_type=MediaType.JSON,
        headers={"Idempotent-Replayed": "true"} if stored.replayed else None,
    )


@get("/v1/snapshots/{snapshot_id:str}", dependencies=WIDGET)
async def snapshot(
    runtime: AppRuntime, caller: KeyCaller, snapshot_id: FromPath[str]
) -> Response:
    return _json(await handlers.snapshot(runtime, caller, snapshot_id))


@get("/v1/assets/{key:path}")
async def asset(runtime: AppRuntime, key: FromPath[str]) -> Response:
    key = key.lstrip("/")
    data = await handlers.asset(runtime, key)
    return Response(content=data, media_type=domain.media_type_of(key), headers=PUBLIC_FILE)


@get("/v1/fonts/{font_id:str}")
async def font(font_id: FromPath[str]) -> Response:
    try:
        shipped = shipped_font(font_id)
    except LookupError:
        raise NotFound.of("font", "font_id") from None
    data = await asyncio.to_thread(shipped.path.read_bytes)
    return Response(content=data, media_type=shipped.media_type, headers=PUBLIC_FILE)


def routes() -> list[Any]:
    return [create_brand, create_product, product_config, validate, create_snapshot, snapshot,
            asset, font]
