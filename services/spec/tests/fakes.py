"""The spec service's repository in memory, for the handler tests."""

from atelier.contracts.canonical import Canonical
from atelier.contracts.spec import DesignSpecV1
from atelier.spec.repository import SpecRepository


class FakeSpecRepository(SpecRepository):
    """``specs``: canonical JSON by (brand, spec hash)."""

    def __init__(self) -> None:  # no session: the dict below is the table
        self.specs: dict[tuple[str, str], str] = {}

    async def add(self, brand_id: str, spec: DesignSpecV1, canonical: Canonical) -> bool:
        if (brand_id, canonical.hash) in self.specs:
            return False
        self.specs[brand_id, canonical.hash] = canonical.json
        return True

    async def canonical_json(self, brand_id: str, spec_hash: str) -> str | None:
        return self.specs.get((brand_id, spec_hash))
