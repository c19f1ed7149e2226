"""Snapshots: created and read by the widget, validated and locked by the brand's admins."""

from litestar import Response, get, post
from litestar.params import JSONBody

from atelier.contracts.snapshot import SnapshotView
from atelier.gateway import schemas
from atelier.gateway.handlers import snapshots as handlers
from atelier.gateway.http.common import (
    ADMIN,
    IDEMPOTENT,
    KEYED,
    WIDGET,
    AppRuntime,
    KeyCaller,
    PathId,
    json_response,
    problems,
)
from atelier.gateway.http.idempotency import OncePerKey
from atelier.gateway.openapi import linked

SNAPSHOT = {"snapshot_id": "$response.body#/id"}

# --- admin: snapshot lifecycle --------------------------------------------------------------


@post("/v1/admin/snapshots/{snapshot_id:str}/validate", **ADMIN, status_code=200,
      responses={**KEYED, **problems(409)})
async def validate_snapshot(
    runtime: AppRuntime, caller: KeyCaller, snapshot_id: PathId, once: OncePerKey
) -> Response[SnapshotView]:
    """Approve a snapshot (created → validated)."""
    return await once(lambda: handlers.validate_snapshot(runtime, caller, snapshot_id))


@post("/v1/admin/snapshots/{snapshot_id:str}/lock", **ADMIN, status_code=200,
      responses=IDEMPOTENT)
async def lock_snapshot(
    runtime: AppRuntime,
    caller: KeyCaller,
    snapshot_id: PathId,
    data: JSONBody[schemas.Lock],
    once: OncePerKey,
) -> Response[SnapshotView]:
    """Lock a snapshot for good (created or validated → locked), e.g. when it is ordered."""
    return await once(lambda: handlers.lock_snapshot(runtime, caller, snapshot_id, data), data)


# --- the widget -----------------------------------------------------------------------------


@post("/v1/snapshots", **WIDGET, responses=IDEMPOTENT, operation_class=linked(
    201, snapshot=("snapshot", SNAPSHOT), events=("snapshot_events", SNAPSHOT),
    validate=("validate_snapshot", SNAPSHOT), lock=("lock_snapshot", SNAPSHOT)))
async def create_snapshot(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[schemas.Design], once: OncePerKey
) -> Response[schemas.Snapshot]:
    """Validate, store the spec and snapshot it; send an Idempotency-Key to retry safely."""
    return await once(lambda: handlers.create_snapshot(runtime, caller, data), data, 201)


@get("/v1/snapshots/{snapshot_id:str}", **WIDGET, responses=KEYED)
async def snapshot(
    runtime: AppRuntime, caller: KeyCaller, snapshot_id: PathId
) -> Response[schemas.Snapshot]:
    return json_response(await handlers.snapshot(runtime, caller, snapshot_id))
