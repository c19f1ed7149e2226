"""Use cases of the snapshot service."""

from sqlalchemy import select

from atelier.contracts import Envelope, new_id
from atelier.contracts.catalog import SNAPSHOT_CREATED
from atelier.contracts.snapshot import (
    CreateSnapshot,
    SnapshotCreated,
    SnapshotStatus,
    SnapshotView,
)
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.outbox import UnitOfWork
from atelier.snapshot import domain
from atelier.snapshot.models import SnapshotRow


async def create_snapshot(
    uow: UnitOfWork, brand_id: str, command: CreateSnapshot, cause: Envelope | None = None
) -> SnapshotView:
    """Freeze a design; the snapshot and its ``snapshot.created`` event commit together."""
    errors = domain.spec_hash_errors(command.spec_hash)
    if errors:
        raise Invalid("The spec hash is not a SHA-256 digest.", errors)
    spec = command.spec
    row = SnapshotRow(
        id=new_id(),
        brand_id=brand_id,
        product_id=spec.product_id,
        spec_hash=command.spec_hash,
        template_version=spec.template_version,
        spec=spec.model_dump(mode="json"),
        status=SnapshotStatus.CREATED.value,
    )
    async with uow:
        uow.session.add(row)
        await uow.session.flush()  # the view needs created_at from the database
        uow.emit(
            SNAPSHOT_CREATED,
            SnapshotCreated(snapshot_id=row.id, spec_hash=row.spec_hash, spec=spec),
            brand_id=brand_id,
            cause=cause,
        )
        await uow.commit()
    return view_of(row)


async def get_snapshot(uow: UnitOfWork, brand_id: str, snapshot_id: str) -> SnapshotView:
    # read inside the unit of work: leaving it rolls back and expires the row
    async with uow:
        row = (
            await uow.session.execute(
                select(SnapshotRow).where(
                    SnapshotRow.id == snapshot_id, SnapshotRow.brand_id == brand_id
                )
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFound.of("snapshot", "snapshot_id")
        return view_of(row)


def view_of(row: SnapshotRow) -> SnapshotView:
    assert row.created_at is not None
    return SnapshotView(
        id=row.id,
        product_id=row.product_id,
        spec_hash=row.spec_hash,
        template_version=row.template_version,
        status=SnapshotStatus(row.status),
        created_at=row.created_at,
    )
