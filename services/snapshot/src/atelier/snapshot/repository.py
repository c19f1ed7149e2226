"""The snapshot service's statements. Every one filters on the brand: another brand's snapshots
do not exist. Rows leave as ``SnapshotView``s."""

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from atelier.contracts import new_id
from atelier.contracts.snapshot import (
    CreateSnapshot,
    HeldWord,
    Provenance,
    SnapshotStatus,
    SnapshotView,
)
from atelier.snapshot.models import SnapshotRow


class SnapshotRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, brand_id: str, command: CreateSnapshot, spec_hash: str) -> SnapshotView:
        spec = command.spec
        row = await self.session.scalars(
            insert(SnapshotRow)
            .values(
                id=new_id(),
                brand_id=brand_id,
                product_id=spec.product_id,
                spec_hash=spec_hash,
                template_version=spec.template_version,
                spec=spec.model_dump(mode="json"),
                status=SnapshotStatus.CREATED.value,
                provenance=command.provenance.model_dump(mode="json"),
                review=[word.model_dump(mode="json") for word in command.review],
            )
            .returning(SnapshotRow)
        )
        return view_of(row.one())

    async def find(
        self, brand_id: str, snapshot_id: str, *, for_update: bool = False
    ) -> SnapshotView | None:
        """``for_update``: the row stays locked until commit, so two concurrent transitions
        cannot start from one state."""
        statement = select(SnapshotRow).where(col(SnapshotRow.brand_id) == brand_id,
                                              col(SnapshotRow.id) == snapshot_id)
        if for_update:
            statement = statement.with_for_update()
        row = (await self.session.scalars(statement)).one_or_none()
        return None if row is None else view_of(row)

    async def transition(
        self, brand_id: str, snapshot_id: str, status: SnapshotStatus, by: str,
        reason: str | None = None,
    ) -> SnapshotView:
        """Move the snapshot to ``status`` with its stamps: who, why, and when by the database's
        clock (the one ``created_at`` comes from). One UPDATE: the database accepts a transition
        only with its stamps together."""
        stamps: dict[str, Any]
        if status == SnapshotStatus.VALIDATED:
            stamps = {"validated_by": by, "validated_at": func.now()}
        else:
            stamps = {"locked_by": by, "lock_reason": reason, "locked_at": func.now()}
        row = await self.session.scalars(
            update(SnapshotRow)
            .where(col(SnapshotRow.brand_id) == brand_id, col(SnapshotRow.id) == snapshot_id)
            .values(status=status.value, **stamps)
            .returning(SnapshotRow)
            .execution_options(populate_existing=True)
        )
        return view_of(row.one())


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
        review=[HeldWord.model_validate(word) for word in row.review],
        validated_at=row.validated_at,
        validated_by=row.validated_by,
        locked_at=row.locked_at,
        locked_by=row.locked_by,
        lock_reason=row.lock_reason,
    )
