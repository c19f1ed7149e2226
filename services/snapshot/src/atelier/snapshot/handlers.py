"""Use cases of the snapshot service."""

from atelier.contracts import Envelope
from atelier.contracts.canonical import SpecInvalid, canonicalize
from atelier.contracts.catalog import SNAPSHOT_CREATED, SNAPSHOT_LOCKED, SNAPSHOT_VALIDATED
from atelier.contracts.snapshot import (
    CreateSnapshot,
    LockSnapshot,
    SnapshotCreated,
    SnapshotLocked,
    SnapshotStatus,
    SnapshotValidated,
    SnapshotView,
    ValidateSnapshot,
)
from atelier.kit.errors import Conflict, Invalid, NotFound
from atelier.kit.outbox import UnitOfWork
from atelier.snapshot import domain
from atelier.snapshot.repository import SnapshotRepository


async def create_snapshot(
    uow: UnitOfWork[SnapshotRepository], brand_id: str, command: CreateSnapshot,
    cause: Envelope | None = None,
) -> SnapshotView:
    """Freeze a design under the hash of its canonical form; the snapshot and its
    ``snapshot.created`` event (which the spec service stores the spec from) commit together, in
    the command's unit of work: a retry under the same request key gets this snapshot again."""
    try:
        spec_hash = canonicalize(command.spec, field="spec").hash
    except SpecInvalid as exc:
        raise Invalid("The spec has no canonical form.", exc.errors) from exc
    snapshot = await uow.repository.add(brand_id, command, spec_hash)
    uow.emit(
        SNAPSHOT_CREATED,
        SnapshotCreated(snapshot_id=snapshot.id, spec_hash=snapshot.spec_hash, spec=command.spec),
        brand_id=brand_id,
        cause=cause,
    )
    return snapshot


async def get_snapshot(
    uow: UnitOfWork[SnapshotRepository], brand_id: str, snapshot_id: str
) -> SnapshotView:
    async with uow:
        return _found(await uow.repository.find(brand_id, snapshot_id))


async def validate_snapshot(
    uow: UnitOfWork[SnapshotRepository], brand_id: str, command: ValidateSnapshot,
    cause: Envelope | None = None,
) -> SnapshotView:
    """A brand user approved the design."""
    status = await _next_status(uow, brand_id, command.snapshot_id, domain.Action.VALIDATE)
    snapshot = await uow.repository.transition(brand_id, command.snapshot_id, status, command.by)
    uow.emit(
        SNAPSHOT_VALIDATED,
        SnapshotValidated(snapshot_id=snapshot.id, spec_hash=snapshot.spec_hash, by=command.by),
        brand_id=brand_id,
        cause=cause,
    )
    return snapshot


async def lock_snapshot(
    uow: UnitOfWork[SnapshotRepository], brand_id: str, command: LockSnapshot,
    cause: Envelope | None = None,
) -> SnapshotView:
    """The design was ordered: from now on it can never change."""
    status = await _next_status(uow, brand_id, command.snapshot_id, domain.Action.LOCK)
    snapshot = await uow.repository.transition(
        brand_id, command.snapshot_id, status, command.by, command.reason
    )
    uow.emit(
        SNAPSHOT_LOCKED,
        SnapshotLocked(
            snapshot_id=snapshot.id, spec_hash=snapshot.spec_hash, by=command.by,
            reason=command.reason,
        ),
        brand_id=brand_id,
        cause=cause,
    )
    return snapshot


async def _next_status(
    uow: UnitOfWork[SnapshotRepository], brand_id: str, snapshot_id: str, action: domain.Action
) -> SnapshotStatus:
    """Where ``action`` takes the snapshot, which stays locked until the commit."""
    snapshot = _found(await uow.repository.find(brand_id, snapshot_id, for_update=True))
    try:
        return domain.next_status(snapshot.status, action)
    except domain.IllegalTransition as exc:
        raise Conflict(str(exc), [exc.error]) from exc


def _found(snapshot: SnapshotView | None) -> SnapshotView:
    """This brand's snapshot; another brand's is as unknown as a made-up id."""
    if snapshot is None:
        raise NotFound.of("snapshot", "snapshot_id")
    return snapshot
