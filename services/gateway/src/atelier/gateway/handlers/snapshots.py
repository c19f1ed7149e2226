"""Snapshots: created from a design by the widget, read back with their preview, then validated
and locked by the brand."""

from atelier.contracts.catalog import (
    CREATE_SNAPSHOT,
    GET_SNAPSHOT,
    LOCK_SNAPSHOT,
    VALIDATE_SNAPSHOT,
)
from atelier.contracts.render import RenderStatus
from atelier.contracts.snapshot import (
    CreateSnapshot,
    GetSnapshot,
    LockSnapshot,
    Provenance,
    SnapshotView,
    ValidateSnapshot,
)
from atelier.gateway import domain, schemas
from atelier.gateway.auth import Caller
from atelier.gateway.domain import KeyKind
from atelier.gateway.handlers.bus import call
from atelier.gateway.handlers.designs import resolved
from atelier.gateway.handlers.renders import snapshot_preview
from atelier.kit.runtime import Runtime


def provenance(caller: Caller) -> Provenance:
    grant = caller.grant
    widget = grant is not None and grant.kind is KeyKind.PUBLISHABLE
    return Provenance(
        source="widget" if widget else "api",
        key_prefix=grant.key_prefix if grant is not None else None,
        origin=caller.origin,
        user_agent=caller.user_agent,
        correlation_id=caller.correlation_id,
    )


async def create_snapshot(
    runtime: Runtime, caller: Caller, design: schemas.Design
) -> schemas.Snapshot:
    """Validate, then snapshot the resolved design in one call (the snapshot service hashes it
    and the spec service stores the spec from its event); an invalid design writes nothing.
    The words for review the rules found are recorded with it (an order item of it is held).
    Under the client's Idempotency-Key, a retry that gets past the gateway's record (the first
    timed out, say) gets the first snapshot from the snapshot service: the call carries the
    request's key."""
    spec, result = await resolved(runtime, caller, design)
    command = CreateSnapshot(spec=spec, provenance=provenance(caller),
                             review=domain.held_words(result))
    view: SnapshotView = await call(runtime, caller, CREATE_SNAPSHOT, command)
    return _with_preview(view, schemas.Preview(status=RenderStatus.PENDING))


async def snapshot(runtime: Runtime, caller: Caller, snapshot_id: str) -> schemas.Snapshot:
    view: SnapshotView = await call(
        runtime, caller, GET_SNAPSHOT, GetSnapshot(snapshot_id=snapshot_id)
    )
    return _with_preview(view, await snapshot_preview(runtime, caller, view.spec_hash))


def _with_preview(view: SnapshotView, preview: schemas.Preview) -> schemas.Snapshot:
    return schemas.Snapshot(**dict(view), preview=preview)


async def validate_snapshot(runtime: Runtime, caller: Caller, snapshot_id: str) -> SnapshotView:
    """A brand user approves the snapshot; the snapshot service refuses an illegal transition."""
    return await call(runtime, caller, VALIDATE_SNAPSHOT,
                      ValidateSnapshot(snapshot_id=snapshot_id, by=caller.actor))


async def lock_snapshot(
    runtime: Runtime, caller: Caller, snapshot_id: str, lock: schemas.Lock
) -> SnapshotView:
    return await call(runtime, caller, LOCK_SNAPSHOT,
                      LockSnapshot(snapshot_id=snapshot_id, by=caller.actor, reason=lock.reason))
