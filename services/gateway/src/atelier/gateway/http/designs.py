"""The widget's designs: a product's configuration, design checks, and specs."""

from litestar import MediaType, Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from atelier.contracts.personalization import WidgetConfig
from atelier.contracts.spec import SpecValidation, StoredSpec
from atelier.gateway import auth, domain, schemas
from atelier.gateway.auth import Caller
from atelier.gateway.handlers import designs as handlers
from atelier.gateway.http.common import (
    IDEMPOTENT,
    KEYED,
    WIDGET,
    WITH_BODY,
    AppRuntime,
    KeyCaller,
    PathId,
    SpecHash,
    encoded_json,
    json_response,
)
from atelier.gateway.http.idempotency import OncePerKey
from atelier.gateway.openapi import linked
from atelier.kit.runtime import Runtime

CONFIG_CACHE = "public, max-age=60"


@get("/v1/widget/products/{product_id:str}/config", **WIDGET,
     responses={**KEYED, 304: ResponseSpec(None, description="Not Modified: the ETag is current")})
async def product_config(
    request: Request, runtime: AppRuntime, caller: KeyCaller, product_id: PathId
) -> Response[WidgetConfig]:
    body = (await handlers.product_config(runtime, caller, product_id)).model_dump_json().encode()
    etag = domain.etag_of(body)
    # Vary on the key: a shared cache must not answer one brand's key with another's response
    headers = {"ETag": etag, "Cache-Control": CONFIG_CACHE, "Vary": auth.KEY_HEADER}
    if domain.etag_matches(request.headers.get("if-none-match"), etag):
        return encoded_json(b"", 304, headers)
    return encoded_json(body, headers=headers)


async def _check(runtime: Runtime, caller: Caller, design: schemas.Design, check: str) -> Response:
    result = await handlers.check_design(runtime, caller, design, check)
    # the hot path: one encoding, straight from the reply, without the internal design
    content = result.model_dump_json(exclude={"design"}).encode()
    return Response(content=content, media_type=MediaType.JSON)


@post("/v1/personalization/validate", **WIDGET, status_code=200, responses=WITH_BODY)
async def validate(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.Design]
) -> Response[schemas.Validation]:
    """Every rule of every zone, measured with the zone's font: errors carry zone and position."""
    return await _check(runtime, caller, data, "validate")


@post("/v1/personalization/normalize", **WIDGET, status_code=200, responses=WITH_BODY)
async def normalize(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.Design]
) -> Response[schemas.Validation]:
    """The values as they would be stored (NFC, invisible characters stripped)."""
    return await _check(runtime, caller, data, "normalize")


@post("/v1/personalization/autofit", **WIDGET, status_code=200, responses=WITH_BODY)
async def autofit(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.Design]
) -> Response[schemas.Validation]:
    """The largest size in each zone's range at which its text fits."""
    return await _check(runtime, caller, data, "autofit")


@post("/v1/specs", **WIDGET, responses=IDEMPOTENT, operation_class=linked(
    201, spec=("spec", {"spec_hash": "$response.body#/spec_hash"})))
async def create_spec(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.Design], once: OncePerKey
) -> Response[StoredSpec]:
    """Validate a design and store it as a spec, addressed by the hash of its canonical JSON."""
    return await once(lambda: handlers.create_spec(runtime, caller, data), data, 201)


@get("/v1/specs/{spec_hash:str}", **WIDGET, responses=KEYED)
async def spec(
    runtime: AppRuntime, caller: KeyCaller, spec_hash: SpecHash
) -> Response[StoredSpec]:
    return json_response(await handlers.spec(runtime, caller, spec_hash))


@post("/v1/specs/validate", **WIDGET, status_code=200, responses=WITH_BODY)
async def check_spec(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.SpecDocument]
) -> Response[SpecValidation]:
    """Check a spec document: its schema, its canonical form and, if given, its hash."""
    return json_response(await handlers.check_spec(runtime, caller, data))
