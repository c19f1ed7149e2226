"""The public HTTP API: thin controllers that translate requests to use cases and back.

Each body is declared by a handler's ``data`` annotation (read by ``bodies.Body``) and each
response by its ``Response[...]`` annotation, so the OpenAPI document shows both; responses are
encoded here, once, from the models the use cases return.
"""

import asyncio
from http import HTTPStatus
from typing import Annotated, Any

from litestar import MediaType, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import Body, FromPath, JSONBody, Parameter
from pydantic import BaseModel

from atelier.contracts import ErrorCode, ErrorItem, Problem
from atelier.contracts.personalization import (
    CreateProduct,
    FontInfo,
    FontList,
    Product,
    WidgetConfig,
    WordList,
)
from atelier.contracts.snapshot import SnapshotView
from atelier.contracts.spec import SpecValidation, StoredSpec
from atelier.gateway import auth, domain, handlers, schemas
from atelier.gateway.auth import Caller
from atelier.kit.errors import AtelierError, Invalid, NotFound
from atelier.kit.http import PROBLEM_JSON
from atelier.kit.runtime import Runtime
from atelier.typeset.fonts import shipped_font

AppRuntime = NamedDependency[Runtime]  # provided by create_app
KeyCaller = NamedDependency[Caller]  # resolved by the route's key check: WIDGET or ADMIN
WIDGET = auth.requires(auth.widget_key)
ADMIN = auth.requires(auth.admin_key)
FONT_MAX_BYTES = 5 * 1024 * 1024  # a brand font; every other body keeps the app's limit
CONFIG_CACHE = "public, max-age=60"
IMMUTABLE = "public, max-age=31536000, immutable"
PUBLIC_FILE = {
    "Cache-Control": IMMUTABLE,
    "Access-Control-Allow-Origin": "*",  # fonts and textures are fetched cross-origin
    "X-Content-Type-Options": "nosniff",
}


class UnsupportedMediaType(AtelierError):
    status = 415
    title = "Unsupported media type"


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem details a route may answer with, for the OpenAPI document."""
    return {
        status: ResponseSpec(Problem, description=HTTPStatus(status).phrase,
                             media_type=PROBLEM_JSON, generate_examples=False)
        for status in statuses
    }


KEYED = problems(400, 401, 403, 404, 422, 429, 503)
WITH_BODY = {**KEYED, **problems(413)}


def _json(
    model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response[Any]:
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


# --- platform -------------------------------------------------------------------------------


@post("/v1/platform/brands", opt=auth.requires(auth.platform_operator),
      responses=problems(400, 401, 404, 413, 422, 429))
async def create_brand(
    runtime: AppRuntime, data: JSONBody[schemas.CreateBrand]
) -> Response[schemas.BrandCreated]:
    created = await handlers.create_brand(runtime, data)
    return _json(created, 201, headers={"Cache-Control": "no-store"})  # the secret key, once


# --- admin: products and templates ----------------------------------------------------------


@post("/v1/admin/products", opt=ADMIN, responses=WITH_BODY)
async def create_product(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[CreateProduct]
) -> Response[Product]:
    return _json(await handlers.create_product(runtime, caller, data), 201)


@get("/v1/admin/products/{product_id:str}", opt=ADMIN, responses=KEYED)
async def product(
    runtime: AppRuntime,
    caller: KeyCaller,
    product_id: FromPath[str],
    version: Annotated[int | None, Parameter(ge=1, description="a template version; "
                                             "without it, the current one")] = None,
) -> Response[Product]:
    return _json(await handlers.product(runtime, caller, product_id, version))


@post("/v1/admin/products/{product_id:str}/templates", opt=ADMIN, responses=WITH_BODY)
async def publish_template(
    runtime: AppRuntime,
    caller: KeyCaller,
    product_id: FromPath[str],
    data: JSONBody[schemas.Template],
) -> Response[Product]:
    """Publish a new template version; snapshots keep the version they were made against."""
    return _json(await handlers.publish_template(runtime, caller, product_id, data), 201)


# --- admin: fonts and word list -------------------------------------------------------------


@post("/v1/admin/fonts", opt=ADMIN, request_max_body_size=FONT_MAX_BYTES,
      responses={**WITH_BODY, **problems(415)})
async def upload_font(
    request: Request,
    runtime: AppRuntime,
    caller: KeyCaller,
    data: Annotated[bytes, Body(
        media_type="font/sfnt",
        description="the TTF or OTF file itself, at most 5 MiB; Content-Type font/ttf, font/otf, "
        "font/sfnt, application/font-sfnt or application/octet-stream",
    )],
    # its presence is checked below, not by Litestar, so that the error names the field
    filename: Annotated[str | None, Parameter(
        required=True, max_length=255, description="the file's name, for the record"
    )] = None,
) -> Response[FontInfo]:
    if not domain.is_font_upload(request.headers.get("content-type")):
        message = "Send the font file as font/ttf, font/otf or application/octet-stream."
        raise UnsupportedMediaType(message, [ErrorItem(
            field="Content-Type", code=ErrorCode.INVALID_FIELD, message=message)])
    if not filename:
        message = "Name the file: add ?filename=<its name> to the URL."
        raise Invalid(message, [ErrorItem(field="filename", code=ErrorCode.INVALID_FIELD,
                                          message=message)])
    return _json(await handlers.upload_font(runtime, caller, data, filename), 201)


@get("/v1/admin/fonts", opt=ADMIN, responses=KEYED)
async def fonts(runtime: AppRuntime, caller: KeyCaller) -> Response[FontList]:
    """The fonts a brand may use in its zones: the shipped ones and its own."""
    return _json(await handlers.fonts(runtime, caller))


@put("/v1/admin/word-list", opt=ADMIN, responses=WITH_BODY)
async def set_word_list(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[WordList]
) -> Response[WordList]:
    """Replace the brand's blocked words (never sent to browsers)."""
    return _json(await handlers.set_word_list(runtime, caller, data))


@get("/v1/admin/word-list", opt=ADMIN, responses=KEYED)
async def word_list(runtime: AppRuntime, caller: KeyCaller) -> Response[WordList]:
    return _json(await handlers.word_list(runtime, caller))


# --- admin: the brand -----------------------------------------------------------------------


@get("/v1/admin/brand", opt=ADMIN, responses=KEYED)
async def brand(runtime: AppRuntime, caller: KeyCaller) -> Response[schemas.Brand]:
    """The caller's brand: its name and the storefront origins its widget may call from."""
    return _json(await handlers.brand(runtime, caller))


@put("/v1/admin/brand/allowed-origins", opt=ADMIN, responses=WITH_BODY)
async def set_allowed_origins(
    request: Request, runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.BrandOrigins]
) -> Response[schemas.Brand]:
    """Replace the origins (``https://shop.example``) the widget may call from: at once in this
    gateway process, in every other one within ``key_cache_ttl_s``."""
    keys = request.app.state.api_keys
    return _json(await handlers.set_allowed_origins(runtime, caller, keys, data))


# --- admin: API keys ------------------------------------------------------------------------


@get("/v1/admin/keys", opt=ADMIN, responses=KEYED)
async def api_keys(runtime: AppRuntime, caller: KeyCaller) -> Response[schemas.ApiKeys]:
    """The brand's keys, revoked ones included; never the keys themselves."""
    return _json(await handlers.api_keys(runtime, caller))


@post("/v1/admin/keys", opt=ADMIN, responses=WITH_BODY)
async def create_api_key(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.NewKey]
) -> Response[schemas.IssuedKey]:
    """A new key, shown only in this answer (rotate: create the new key, deploy it, then revoke
    the old one). Not replayed under an Idempotency-Key: a key is never stored to be shown
    again."""
    issued = await handlers.create_api_key(runtime, caller, data)
    return _json(issued, 201, headers={"Cache-Control": "no-store"})


@post("/v1/admin/keys/{key_id:str}/revoke", opt=ADMIN, status_code=200,
      responses={**KEYED, **problems(409)})
async def revoke_api_key(
    request: Request, runtime: AppRuntime, caller: KeyCaller, key_id: FromPath[str]
) -> Response[schemas.ApiKey]:
    """Revoke a key: refused at once by this gateway process, by every other one within
    ``key_cache_ttl_s``. The brand's last secret key cannot be revoked (409)."""
    keys = request.app.state.api_keys
    return _json(await handlers.revoke_api_key(runtime, caller, keys, key_id))


# --- admin: snapshot lifecycle --------------------------------------------------------------


@post("/v1/admin/snapshots/{snapshot_id:str}/validate", opt=ADMIN, status_code=200,
      responses={**KEYED, **problems(409)})
async def validate_snapshot(
    runtime: AppRuntime, caller: KeyCaller, snapshot_id: FromPath[str]
) -> Response[SnapshotView]:
    """Approve a snapshot (created → validated)."""
    return _json(await handlers.validate_snapshot(runtime, caller, snapshot_id))


@post("/v1/admin/snapshots/{snapshot_id:str}/lock", opt=ADMIN, status_code=200,
      responses={**WITH_BODY, **problems(409)})
async def lock_snapshot(
    runtime: AppRuntime, caller: KeyCaller, snapshot_id: FromPath[str], data: JSONBody[schemas.Lock]
) -> Response[SnapshotView]:
    """Lock a snapshot for good (created or validated → locked), e.g. when it is ordered."""
    return _json(await handlers.lock_snapshot(runtime, caller, snapshot_id, data))


# --- the widget -----------------------------------------------------------------------------


@get("/v1/widget/products/{product_id:str}/config", opt=WIDGET,
     responses={**KEYED, 304: ResponseSpec(None, description="Not Modified: the ETag is current")})
async def product_config(
    request: Request, runtime: AppRuntime, caller: KeyCaller, product_id: FromPath[str]
) -> Response[WidgetConfig]:
    body = (await handlers.product_config(runtime, caller, product_id)).model_dump_json().encode()
    etag = domain.etag_of(body)
    # Vary on the key: a shared cache must not answer one brand's key with another's response
    headers = {"ETag": etag, "Cache-Control": CONFIG_CACHE, "Vary": auth.KEY_HEADER}
    if domain.etag_matches(request.headers.get("if-none-match"), etag):
        return Response(content=b"", status_code=304, headers=headers)
    return Response(content=body, media_type=MediaType.JSON, headers=headers)


async def _check(runtime: Runtime, caller: Caller, design: schemas.Design, check: str) -> Response:
    result = await handlers.check_design(runtime, caller, design, check)
    # the hot path: one encoding, straight from the reply, without the internal design
    content = result.model_dump_json(exclude={"design"}).encode()
    return Response(content=content, media_type=MediaType.JSON)


@post("/v1/personalization/validate", opt=WIDGET, status_code=200, responses=WITH_BODY)
async def validate(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.Design]
) -> Response[schemas.Validation]:
    """Every rule of every zone, measured with the zone's font: errors carry zone and position."""
    return await _check(runtime, caller, data, "validate")


@post("/v1/personalization/normalize", opt=WIDGET, status_code=200, responses=WITH_BODY)
async def normalize(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.Design]
) -> Response[schemas.Validation]:
    """The values as they would be stored (NFC, invisible characters stripped)."""
    return await _check(runtime, caller, data, "normalize")


@post("/v1/personalization/autofit", opt=WIDGET, status_code=200, responses=WITH_BODY)
async def autofit(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.Design]
) -> Response[schemas.Validation]:
    """The largest size in each zone's range at which its text fits."""
    return await _check(runtime, caller, data, "autofit")


@post("/v1/specs", opt=WIDGET, responses=WITH_BODY)
async def create_spec(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.Design]
) -> Response[StoredSpec]:
    """Validate a design and store it as a spec, addressed by the hash of its canonical JSON."""
    return _json(await handlers.create_spec(runtime, caller, data), 201)


@get("/v1/specs/{spec_hash:str}", opt=WIDGET, responses=KEYED)
async def spec(
    runtime: AppRuntime, caller: KeyCaller, spec_hash: FromPath[str]
) -> Response[StoredSpec]:
    return _json(await handlers.spec(runtime, caller, spec_hash))


@post("/v1/specs/validate", opt=WIDGET, status_code=200, responses=WITH_BODY)
async def check_spec(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.SpecDocument]
) -> Response[SpecValidation]:
    """Check a spec document: its schema, its canonical form and, if given, its hash."""
    return _json(await handlers.check_spec(runtime, caller, data))


@post("/v1/snapshots", opt=WIDGET, responses={**WITH_BODY, **problems(409)})
async def create_snapshot(
    request: Request, runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.Design]
) -> Response[schemas.Snapshot]:
    """Validate, store the spec and snapshot it; send an Idempotency-Key to retry safely (a
    successful answer is replayed for the same key for 24 hours, by default)."""
    key = idempotency_key(request)
    stored = await handlers.create_snapshot_once(runtime, caller, data, key)
    return Response(
        content=stored.body.encode(),
        status_code=stored.status_code,
        media_type=MediaType.JSON,
        headers={"Idempotent-Replayed": "true"} if stored.replayed else None,
    )


@get("/v1/snapshots/{snapshot_id:str}", opt=WIDGET, responses=KEYED)
async def snapshot(
    runtime: AppRuntime, caller: KeyCaller, snapshot_id: FromPath[str]
) -> Response[schemas.Snapshot]:
    return _json(await handlers.snapshot(runtime, caller, snapshot_id))


# --- public files ---------------------------------------------------------------------------


@get("/v1/assets/{key:path}", media_type="application/octet-stream", responses=problems(400, 404))
async def asset(runtime: AppRuntime, key: FromPath[str]) -> Response[bytes]:
    """Previews (``renders/``) and brand fonts (``fonts/``), content-addressed and immutable."""
    key = key.lstrip("/")
    data = await handlers.asset(runtime, key)
    return Response(content=data, media_type=domain.media_type_of(key), headers=PUBLIC_FILE)


@get("/v1/fonts/{font_id:str}", media_type="font/ttf", responses=problems(400, 404))
async def font(font_id: FromPath[str]) -> Response[bytes]:
    """A font shipped with Atelier."""
    try:
        shipped = shipped_font(font_id)
    except LookupError:
        raise NotFound.of("font", "font_id") from None
    data = await asyncio.to_thread(shipped.path.read_bytes)
    return Response(content=data, media_type=shipped.media_type, headers=PUBLIC_FILE)


def routes() -> list[Any]:
    return [
        create_brand,
        create_product, product, publish_template,
        upload_font, fonts, set_word_list, word_list,
        brand, set_allowed_origins, api_keys, create_api_key, revoke_api_key,
        validate_snapshot, lock_snapshot,
        product_config, validate, normalize, autofit,
        create_spec, spec, check_spec, create_snapshot, snapshot,
        asset, font,
    ]
