"""Production bundles: exports of a snapshot queued by the brand (secret key or admin), their
work orders, and downloads by short-lived signed links."""

from typing import Annotated

from litestar import Response, get, post, put
from litestar.openapi.spec import Example
from litestar.params import JSONBody, Parameter, PathParameter

from atelier.contracts.manufacturing import (
    PROFILE_NAME,
    ExportPack,
    OutputProfile,
    ProductProfile,
    ProfileList,
    ProfileSettings,
)
from atelier.gateway import domain, schemas
from atelier.gateway.handlers import manufacturing as handlers
from atelier.gateway.http.assets import AssetKey
from atelier.gateway.http.common import (
    ADMIN,
    IDEMPOTENT,
    KEYED,
    WITH_BODY,
    AppRuntime,
    KeyCaller,
    PathId,
    json_response,
    problems,
)
from atelier.gateway.http.idempotency import OncePerKey
from atelier.gateway.openapi import linked

WORK_ORDER = {"work_order_id": "$response.body#/id"}
ProfileName = Annotated[str, PathParameter(pattern=PROFILE_NAME,
                                           examples=[Example(value="glass")])]
PRIVATE_FILE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


@post("/v1/manufacturing/export-pack", **ADMIN, status_code=202,
      responses={**IDEMPOTENT, **problems(409)},
      operation_class=linked(202, work_order=("work_order", WORK_ORDER),
                             export=("export_work_order", WORK_ORDER)))
async def export_pack(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[ExportPack], once: OncePerKey
) -> Response[schemas.WorkOrder]:
    """Queue the production bundle of a validated or locked snapshot (409 otherwise), with an
    output profile (by name; without one, the product's)."""
    return await once(lambda: handlers.export_pack(runtime, caller, data), data, 202)


@get("/v1/manufacturing/bundles/{order_id:str}", **ADMIN, responses=KEYED)
async def bundles(
    runtime: AppRuntime, caller: KeyCaller, order_id: PathId
) -> Response[schemas.Bundles]:
    """A shop order's production bundles (`GET /v1/orders/{id}` names the order): each
    personalized item's work order, with a short-lived download URL once ready."""
    return json_response(await handlers.bundles(runtime, caller, order_id))


@get("/v1/manufacturing/work-orders/{work_order_id:str}", **ADMIN, responses=KEYED)
async def work_order(
    runtime: AppRuntime, caller: KeyCaller, work_order_id: PathId
) -> Response[schemas.WorkOrder]:
    """A work order: pending, generating, ready (with a short-lived download URL of its bundle)
    or failed (with the reason)."""
    return json_response(await handlers.work_order(runtime, caller, work_order_id))


@post("/v1/manufacturing/work-orders/{work_order_id:str}/export", **ADMIN,
      responses={**IDEMPOTENT, **problems(409)}, status_code=202)
async def export_work_order(
    runtime: AppRuntime, caller: KeyCaller, work_order_id: PathId, once: OncePerKey
) -> Response[schemas.WorkOrder]:
    """Make a ready or failed work order's bundle again: the same spec gives the same bytes."""
    return await once(lambda: handlers.regenerate(runtime, caller, work_order_id), None, 202)


@get("/v1/downloads/{key:path}", media_type="application/zip", responses=problems(400, 403, 404))
async def download(
    runtime: AppRuntime,
    key: AssetKey,
    expires: Annotated[int, Parameter(ge=0, le=2**40, description="Unix seconds",
                                      examples=[Example(value=1_900_000_000)])],
    signature: Annotated[str, Parameter(pattern=r"^[0-9a-f]{64}$",
                                        examples=[Example(value="0" * 64)])],
) -> Response[bytes]:
    """A private file (a production bundle) by the link a work order gives: refused once it
    expired or was altered."""
    key = key.lstrip("/")
    data = await handlers.download(runtime, key, expires, signature)
    name = key.rsplit("/", 1)[-1]
    return Response(content=data, media_type=domain.media_type_of(key, data),
                    headers={**PRIVATE_FILE,
                             "Content-Disposition": f'attachment; filename="{name}"'})


@get("/v1/manufacturing/profiles", **ADMIN, responses=KEYED)
async def profiles(runtime: AppRuntime, caller: KeyCaller) -> Response[ProfileList]:
    """The output profiles the brand's exports may name (the platform's and its own), and the
    profile of each of its products."""
    return json_response(await handlers.profiles(runtime, caller))


@put("/v1/manufacturing/profiles/{name:str}", **ADMIN, responses=WITH_BODY)
async def set_profile(
    runtime: AppRuntime, caller: KeyCaller, name: ProfileName,
    data: JSONBody[ProfileSettings],
) -> Response[OutputProfile]:
    """Make or replace one of the brand's output profiles (one with a platform profile's name
    overrides it for the brand)."""
    return json_response(await handlers.set_profile(runtime, caller, name, data))


@put("/v1/manufacturing/products/{product_id:str}/profile", **ADMIN, responses=WITH_BODY)
async def set_product_profile(
    runtime: AppRuntime, caller: KeyCaller, product_id: PathId,
    data: JSONBody[schemas.ProductProfileChoice],
) -> Response[ProductProfile]:
    """The profile a product's exports get when they name none."""
    return json_response(await handlers.set_product_profile(runtime, caller, product_id, data))
