"""A brand's API keys, managed by its admins."""

from litestar import Request, Response, get, post
from litestar.params import JSONBody

from atelier.gateway import schemas
from atelier.gateway.handlers import api_keys as handlers
from atelier.gateway.http.common import (
    ADMIN,
    KEYED,
    WITH_BODY,
    AppRuntime,
    KeyCaller,
    PathId,
    json_response,
    problems,
)
from atelier.gateway.http.idempotency import OncePerKey, RefusedKey, refuse_key
from atelier.gateway.openapi import linked


@get("/v1/admin/keys", **ADMIN, responses=KEYED)
async def api_keys(runtime: AppRuntime, caller: KeyCaller) -> Response[schemas.ApiKeys]:
    """The brand's keys, revoked ones included; never the keys themselves."""
    return json_response(await handlers.api_keys(runtime, caller))


@post("/v1/admin/keys", **ADMIN, responses=WITH_BODY, operation_class=linked(
    201, revoke=("revoke_api_key", {"key_id": "$response.body#/id"})))
async def create_api_key(
    runtime: AppRuntime,
    caller: KeyCaller,
    data: JSONBody[schemas.NewKey],
    idempotency_key: RefusedKey = None,
) -> Response[schemas.IssuedKey]:
    """A new key, shown only in this answer (rotate: create the new key, deploy it, then revoke
    the old one). Not replayed under an Idempotency-Key: a key is never stored to be shown
    again, so a request with one is refused (422) rather than run unprotected."""
    refuse_key(idempotency_key)
    issued = await handlers.create_api_key(runtime, caller, data)
    return json_response(issued, 201, headers={"Cache-Control": "no-store"})


@post("/v1/admin/keys/{key_id:str}/revoke", **ADMIN, status_code=200,
      responses={**KEYED, **problems(409)})
async def revoke_api_key(
    request: Request,
    runtime: AppRuntime,
    caller: KeyCaller,
    key_id: PathId,
    once: OncePerKey,
) -> Response[schemas.ApiKey]:
    """Revoke a key: refused at once by this gateway process, by every other one within
    ``key_cache_ttl_s``. The brand's last secret key cannot be revoked (409)."""
    keys = request.app.state.api_keys
    return await once(lambda: handlers.revoke_api_key(runtime, caller, keys, key_id))
