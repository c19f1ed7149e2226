"""The brand's catalog, administered: products and their templates, fonts, the word list."""

import hashlib
from typing import Annotated

from litestar import Request, Response, get, post, put
from litestar.openapi.spec import Example
from litestar.params import Body, JSONBody, Parameter

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.model3d import MAX_MODEL_BYTES
from atelier.contracts.personalization import (
    CheckWords,
    CreateProduct,
    FontInfo,
    FontList,
    Product,
    WordCheck,
    WordList,
)
from atelier.contracts.types import NO_CONTROLS, PG_INTEGER_MAX
from atelier.gateway import domain, models3d, photos, schemas
from atelier.gateway.handlers import catalog as handlers
from atelier.gateway.http.common import (
    ADMIN,
    IDEMPOTENT,
    KEYED,
    WITH_BODY,
    AppRuntime,
    KeyCaller,
    PathId,
    ViewKey,
    json_response,
    problems,
)
from atelier.gateway.http.idempotency import OncePerKey
from atelier.gateway.openapi import linked
from atelier.kit.errors import Invalid, UnsupportedMediaType

PRODUCT = {"product_id": "$response.body#/id"}  # what links from a product to its routes
FONT_MAX_BYTES = 5 * 1024 * 1024  # a brand font; every other body keeps the app's limit


# --- admin: products and templates ----------------------------------------------------------


@post("/v1/admin/products", **ADMIN, responses=IDEMPOTENT, operation_class=linked(
    201, product=("product", PRODUCT), template=("publish_template", PRODUCT),
    config=("product_config", PRODUCT)))
async def create_product(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[CreateProduct], once: OncePerKey
) -> Response[Product]:
    return await once(lambda: handlers.create_product(runtime, caller, data), data, 201)


@get("/v1/admin/products/{product_id:str}", **ADMIN, responses=KEYED)
async def product(
    runtime: AppRuntime,
    caller: KeyCaller,
    product_id: PathId,
    version: Annotated[int | None, Parameter(
        ge=1, le=PG_INTEGER_MAX, description="a template version; without it, the current one",
        examples=[Example(value=1)],
    )] = None,
) -> Response[Product]:
    return json_response(await handlers.product(runtime, caller, product_id, version))


@post("/v1/admin/products/{product_id:str}/templates", **ADMIN, responses=IDEMPOTENT,
      operation_class=linked(201, version=("product", {
          **PRODUCT, "version": "$response.body#/template_version"})))
async def publish_template(
    runtime: AppRuntime,
    caller: KeyCaller,
    product_id: PathId,
    data: JSONBody[schemas.Template],
    once: OncePerKey,
) -> Response[Product]:
    """Publish a new template version; snapshots keep the version they were made against."""
    return await once(lambda: handlers.publish_template(runtime, caller, product_id, data),
                      data, 201)


@put("/v1/admin/products/{product_id:str}/views/{view:str}/photo", **ADMIN,
     request_max_body_size=photos.PHOTO_MAX_BYTES, responses={**WITH_BODY, **problems(415)},
     operation_class=linked(200, version=("product", {
         **PRODUCT, "version": "$response.body#/template_version"})))
async def set_view_photo(
    request: Request,
    runtime: AppRuntime,
    caller: KeyCaller,
    product_id: PathId,
    view: ViewKey,
    data: Annotated[bytes, Body(
        media_type="image/png",
        description="the photo itself, at most 15 MiB, 8192 px on a side and 40 megapixels; "
        "Content-Type image/png, image/jpeg or image/webp (the content decides)",
        examples=[Example(summary="a PNG, JPEG or WebP file", value="<the file's bytes>")],
    )],
) -> Response[Product]:
    """The product's photo for one view: checked, stored by its hash, and published as the
    product's next template version (the view's placement kept); the same photo again changes
    nothing. Snapshots keep the version, and so the photo, they were made with."""
    if not photos.is_photo_upload(request.headers.get("content-type")):
        raise UnsupportedMediaType.of("image/png, image/jpeg or image/webp")
    return json_response(await handlers.set_view_photo(runtime, caller, product_id, view, data))


@put("/v1/admin/products/{product_id:str}/model", **ADMIN, responses=WITH_BODY,
     operation_class=linked(200, version=("product", {
         **PRODUCT, "version": "$response.body#/template_version"})))
async def set_shape(
    runtime: AppRuntime, caller: KeyCaller, product_id: PathId, data: JSONBody[schemas.Shape]
) -> Response[Product]:
    """The product's 3D model as a parametric shape sized in millimetres: a plate (its views
    `front` and `back` on its faces), a cylinder (its `front` view wrapped around it) or a box
    (views `front`, `back`, `left`, `right`, `top`, `bottom` on their faces), published as the
    product's next template version. Every snapshot then gets a GLB and a USDZ of the design
    on it; the same shape again changes nothing."""
    return json_response(await handlers.set_shape(runtime, caller, product_id, data))


@put("/v1/admin/products/{product_id:str}/model/glb", **ADMIN,
     request_max_body_size=MAX_MODEL_BYTES, responses={**WITH_BODY, **problems(415)},
     operation_class=linked(200, version=("product", {
         **PRODUCT, "version": "$response.body#/template_version"})))
async def set_glb(
    request: Request,
    runtime: AppRuntime,
    caller: KeyCaller,
    product_id: PathId,
    data: Annotated[bytes, Body(
        media_type="model/gltf-binary",
        description="a GLB (glTF 2.0 binary) of at most 8 MiB and 90,000 triangles, with "
        "every buffer and texture inside it (PNG or JPEG, at most 2048 px on a side), no "
        "required extension, and a material or mesh named after each zone its design goes on",
        examples=[Example(summary="a GLB file", value="<the file's bytes>")],
    )],
) -> Response[Product]:
    """The product's 3D model as a GLB the brand made: checked, stored by its hash, and
    published as the product's next template version; a refused file is told why. Each zone's
    design is drawn on the UV region of the primitives whose material (or mesh) is named after
    the zone."""
    if not models3d.is_model_upload(request.headers.get("content-type")):
        raise UnsupportedMediaType.of("model/gltf-binary")
    return json_response(await handlers.set_glb(runtime, caller, product_id, data))


# --- admin: fonts and word list -------------------------------------------------------------


@post("/v1/admin/fonts", **ADMIN, request_max_body_size=FONT_MAX_BYTES,
      responses={**IDEMPOTENT, **problems(415)})
async def upload_font(
    request: Request,
    runtime: AppRuntime,
    caller: KeyCaller,
    once: OncePerKey,
    data: Annotated[bytes, Body(
        media_type="font/sfnt",
        description="the TTF or OTF file itself, at most 5 MiB; Content-Type font/ttf, font/otf, "
        "font/sfnt, application/font-sfnt or application/octet-stream",
        examples=[Example(summary="a TrueType or OpenType file", value="<the file's bytes>")],
    )],
    # its presence is checked below, not by Litestar, so that the error names the field
    filename: Annotated[str | None, Parameter(
        required=True, max_length=255, pattern=NO_CONTROLS,
        description="the file's name, for the record", examples=[Example(value="Brand Sans.ttf")]
    )] = None,
) -> Response[FontInfo]:
    if not domain.is_font_upload(request.headers.get("content-type")):
        raise UnsupportedMediaType.of("font/ttf, font/otf or application/octet-stream")
    if not filename:
        message = "Name the file: add ?filename=<its name> to the URL."
        raise Invalid(message, [ErrorItem(field="filename", code=ErrorCode.INVALID_FIELD,
                                          message=message)])
    upload = {"sha256": hashlib.sha256(data).hexdigest(), "filename": filename}
    return await once(lambda: handlers.upload_font(runtime, caller, data, filename), upload, 201)


@get("/v1/admin/fonts", **ADMIN, responses=KEYED)
async def fonts(runtime: AppRuntime, caller: KeyCaller) -> Response[FontList]:
    """The fonts a brand may use in its zones: the shipped ones and its own."""
    return json_response(await handlers.fonts(runtime, caller))


@put("/v1/admin/word-list", **ADMIN, responses=WITH_BODY)
async def set_word_list(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[WordList]
) -> Response[WordList]:
    """Replace the brand's word rules (sent to the widget in folded form)."""
    return json_response(await handlers.set_word_list(runtime, caller, data))


@get("/v1/admin/word-list", **ADMIN, responses=KEYED)
async def word_list(runtime: AppRuntime, caller: KeyCaller) -> Response[WordList]:
    return json_response(await handlers.word_list(runtime, caller))


@post("/v1/admin/word-list/check", **ADMIN, responses=WITH_BODY, status_code=200)
async def check_words(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[CheckWords]
) -> Response[WordCheck]:
    """Which entries of the brand's word rules a test text matches, and why (nothing stored)."""
    return json_response(await handlers.check_words(runtime, caller, data))
