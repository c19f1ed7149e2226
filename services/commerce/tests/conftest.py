"""The commerce tests' fakes of the services it asks: the snapshot service (and the spec
service behind a snapshot's filled zones), answering as the real ones do."""

from datetime import UTC, datetime

import pytest

from atelier.contracts import new_id
from atelier.contracts.snapshot import HeldWord, SnapshotStatus, SnapshotView
from atelier.kit.testing.plugin import unique

PRODUCT = "prod-pen"


class FakeSnapshots:
    """The snapshot service as commerce sees it: each brand's snapshots, locks recorded."""

    def __init__(self) -> None:
        self.by_brand: dict[str, dict[str, SnapshotView]] = {}
        self.locked: list[tuple[str, str, str]] = []
        self.filled: dict[str, set[str]] = {}  # the zones each snapshot's design fills

    def add(self, brand: str, product_id: str = PRODUCT, review: list[HeldWord] | None = None,
            filled: set[str] | None = None) -> str:
        snapshot_id = new_id()
        self.filled[snapshot_id] = filled or set()
        self.by_brand.setdefault(brand, {})[snapshot_id] = SnapshotView(
            id=snapshot_id, product_id=product_id, spec_hash="0" * 64, template_version=1,
            status=SnapshotStatus.CREATED, created_at=datetime.now(UTC), review=review or [])
        return snapshot_id

    async def get(self, brand_id: str, snapshot_id: str) -> SnapshotView | None:
        return self.by_brand.get(brand_id, {}).get(snapshot_id)

    async def filled_zones(self, brand_id: str, snapshot: SnapshotView) -> set[str]:
        return self.filled[snapshot.id]

    async def lock(self, brand_id: str, snapshot_id: str, reason: str) -> None:
        self.locked.append((brand_id, snapshot_id, reason))
        view = self.by_brand[brand_id][snapshot_id]
        self.by_brand[brand_id][snapshot_id] = view.model_copy(
            update={"status": SnapshotStatus.LOCKED})


@pytest.fixture
def snapshots() -> FakeSnapshots:
    return FakeSnapshots()


@pytest.fixture
def brand() -> str:
    return unique("brand-")
