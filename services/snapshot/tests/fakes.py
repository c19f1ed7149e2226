"""The snapshot service's repository in memory, for the handler tests."""

from datetime import UTC, datetime

from atelier.contracts import new_id
from atelier.contracts.snapshot import CreateSnapshot, SnapshotStatus, SnapshotView
from atelier.snapshot.repository import SnapshotRepository


class FakeSnapshotRepository(SnapshotRepository):
    """``snapshots``: (brand, view) by snapshot id."""

    def __init__(self) -> None:  # no session: the dict below is the table
        self.snapshots: dict[str, tuple[str, SnapshotView]] = {}

    async def add(self, brand_id: str, command: CreateSnapshot, spec_hash: str) -> SnapshotView:
        spec = command.spec
        snapshot = SnapshotView(
            id=new_id(), product_id=spec.product_id, spec_hash=spec_hash,
            template_version=spec.template_version, status=SnapshotStatus.CREATED,
            created_at=datetime.now(UTC), provenance=command.provenance, review=command.review,
        )
        self.snapshots[snapshot.id] = (brand_id, snapshot)
        return snapshot

    async def find(
        self, brand_id: str, snapshot_id: str, *, for_update: bool = False
    ) -> SnapshotView | None:
        brand, snapshot = self.snapshots.get(snapshot_id, (None, None))
        return snapshot if brand == brand_id else None

    async def transition(
        self, brand_id: str, snapshot_id: str, status: SnapshotStatus, by: str,
        reason: str | None = None,
    ) -> SnapshotView:
        brand, snapshot = self.snapshots[snapshot_id]
        assert brand == brand_id
        now = datetime.now(UTC)
        stamps = ({"validated_by": by, "validated_at": now} if status == SnapshotStatus.VALIDATED
                  else {"locked_by": by, "lock_reason": reason, "locked_at": now})
        snapshot = snapshot.model_copy(update={"status": status, **stamps})
        self.snapshots[snapshot_id] = (brand, snapshot)
        return snapshot
