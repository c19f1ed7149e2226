"""Snapshots: created and read by the widget (with an Idempotency-Key to retry safely),
validated and locked by the brand's admins."""

from litestar import MediaType, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.snapshot import SnapshotView
from atelier.gateway import schemas
from atelier.gateway.handlers import snapshots as handlers
from atelier.gateway.http.common import (
    ADMIN,
    KEYED,
    WIDGET,
    WITH_BODY,
    AppRuntime,
    KeyCaller,
    json_response,
    problems,
)
from atelier.kit.errors import Invalid


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= 255 and key.isascii() and key.isprintable()):
        message = "An Idempotency-Key is 1 to 255 printable ASCII characters."
        raise Invalid(message, [ErrorItem(field="Idempotency-Key", code=ErrorCode.INVALID_FIELD,
                                          message=message)])
    return key


# --- admin: snapshot lifecycle --------------------------------------------------------------


@post("/v1/admin/snapshots/{snapshot_id:str}/validate", opt=ADMIN, status_code=200,
      responses={**KEYED, **problems(409)})
async def validate_snapshot(
    runtime: AppRuntime, caller: KeyCaller, snapshot_id: FromPath[str]
) -> Response[SnapshotView]:
    """Approve a snapshot (created → validated)."""
    return json_response(await handlers.validate_snapshot(runtime, caller, snapshot_id))


@post("/v1/admin/snapshots/{snapshot_id:str}/lock", opt=ADMIN, status_code=200,
      responses={**WITH_BODY, **problems(409)})
async def lock_snapshot(
    runtime: AppRuntime, caller: KeyCaller, snapshot_id: FromPath[str], data: JSONBody[schemas.Lock]
) -> Response[SnapshotView]:
    """Lock a snapshot for good (created or validated → locked), e.g. when it is ordered."""
    return json_response(await handlers.lock_snapshot(runtime, caller, snapshot_id, data))


# --- the widget -----------------------------------------------------------------------------


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
    return json_response(await handlers.snapshot(runtime, caller, snapshot_id))
