"""Use cases of the snapshot service."""

from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import insert

from atelier.contracts import Envelope, new_id
from atelier.contracts.catalog import SNAPSHOT_CREATED, SNAPSHOT_LOCKED, SNAPSHOT_VALIDATED
from atelier.contracts.snapshot import (
    CreateSnapshot,
    LockSnapshot,
    Provenance,
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
from atelier.snapshot.models import SnapshotRow


async def create_snapshot(
    uow: UnitOfWork, brand_id: str, command: CreateSnapshot, cause: Envelope | None = None
) -> SnapshotView:
    """Freeze a design; the snapshot and its ``snapshot.created`` event commit together (in the
    command's unit of work: a retry under the same request key gets this snapshot again)."""
    errors = domain.spec_hash_errors(command.spec, command.spec_hash)
    if errors:
        raise Invalid("The spec does not match its hash.", errors)
    row = await _insert(uow, brand_id, command)
    uow.emit(
        SNAPSHOT_CREATED,
        SnapshotCreated(snapshot_id=row.id, spec_hash=row.spec_hash, spec=command.spec),
        brand_id=brand_id,
        cause=cause,
    )
    return view_of(row)


async def get_snapshot(uow: UnitOfWork, brand_id: str, snapshot_id: str) -> SnapshotView:
    # read inside the unit of work: leaving it rolls back and expires the row
    async with uow:
        return view_of(await _find(uow, brand_id, SnapshotRow.id == snapshot_id))


async def validate_snapshot(
    uow: UnitOfWork, brand_id: str, command: ValidateSnapshot, cause: Envelope | None = None
) -> SnapshotView:
    """A brand user approved the design."""
    row = await _find(uow, brand_id, SnapshotRow.id == command.snapshot_id, for_update=True)
    status, now = _next_status(row, domain.Action.VALIDATE), await _now(uow)
    # one assignment: the database accepts the transition only with its stamps together
    row.status, row.validated_by, row.validated_at = status, command.by, now
    uow.emit(
        SNAPSHOT_VALIDATED,
        SnapshotValidated(snapshot_id=row.id, spec_hash=row.spec_hash, by=command.by),
        brand_id=brand_id,
        cause=cause,
    )
    await uow.session.flush()
    return view_of(row)


async def lock_snapshot(
    uow: UnitOfWork, brand_id: str, command: LockSnapshot, cause: Envelope | None = None
) -> SnapshotView:
    """The design was ordered: from now on it can never change."""
    row = await _find(uow, brand_id, SnapshotRow.id == command.snapshot_id, for_update=True)
    status, now = _next_status(row, domain.Action.LOCK), await _now(uow)
    row.status, row.locked_by, row.lock_reason, row.locked_at = (
        status, command.by, command.reason, now
    )
    uow.emit(
        SNAPSHOT_LOCKED,
        SnapshotLocked(
            snapshot_id=row.id, spec_hash=row.spec_hash, by=command.by, reason=command.reason
        ),
        brand_id=brand_id,
        cause=cause,
    )
    await uow.session.flush()
    return view_of(row)


async def _insert(uow: UnitOfWork, brand_id: str, command: CreateSnapshot) -> SnapshotRow:
    spec = command.spec
    statement = (
        insert(SnapshotRow)
        .values(
            id=new_id(),
            brand_id=brand_id,
            product_id=spec.product_id,
            spec_hash=command.spec_hash,
            template_version=spec.template_version,
            spec=spec.model_dump(mode="json"),
            status=SnapshotStatus.CREATED.value,
            provenance=command.provenance.model_dump(mode="json"),
        )
        .returning(SnapshotRow)
    )
    return (await uow.session.scalars(statement)).one()


async def _find(
    uow: UnitOfWork, brand_id: str, *where: ColumnElement[bool], for_update: bool = False
) -> SnapshotRow:
    """This brand's snapshot; another brand's is as unknown as a made-up id."""
    statement = select(SnapshotRow).where(SnapshotRow.brand_id == brand_id, *where)
    if for_update:  # held until commit: two concurrent transitions cannot start from one state
        statement = statement.with_for_update()
    row = (await uow.session.scalars(statement)).one_or_none()
    if row is None:
        raise NotFound.of("snapshot", "snapshot_id")
    return row


def _next_status(row: SnapshotRow, action: domain.Action) -> str:
    try:
        return domain.next_status(SnapshotStatus(row.status), action).value
    except domain.IllegalTransition as exc:
        raise Conflict(str(exc), [exc.error]) from exc


async def _now(uow: UnitOfWork) -> datetime:
    """The database's clock, the one ``created_at`` comes from."""
    return (await uow.session.execute(select(func.now()))).scalar_one()


def view_of(row: SnapshotRow) -> SnapshotView:
    assert row.created_at is not None
    return SnapshotView(
        id=row.id,
        product_id=row.product_id,
        spec_hash=row.spec_hash,
        template_version=row.template_version,
        status=SnapshotStatus(row.status),
        created_at=row.created_at,
        provenance=Provenance.model_validate(row.provenance),
        validated_at=row.validated_at,
        validated_by=row.validated_by,
        locked_at=row.locked_at,
        locked_by=row.locked_by,
        lock_reason=row.lock_reason,
    )
