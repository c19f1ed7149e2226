"""The spec service's statements. Every one filters on the brand: another brand's specs do not
exist."""

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from atelier.contracts.canonical import Canonical
from atelier.contracts.spec import DesignSpec, DesignSpecV1
from atelier.spec.models import DesignSpecRow


class SpecRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, brand_id: str, spec: DesignSpecV1 | DesignSpec, canonical: Canonical
    ) -> bool:
        """Store the spec under its hash; False when the brand has it already (a stored spec
        never changes: content-addressed)."""
        inserted = await self.session.execute(
            insert(DesignSpecRow)
            .values(
                brand_id=brand_id,
                spec_hash=canonical.hash,
                spec_version=spec.spec_version,
                product_id=spec.product_id,
                template_version=spec.template_version,
                canonical_json=canonical.json,
            )
            .on_conflict_do_nothing()
            .returning(col(DesignSpecRow.spec_hash))
        )
        return inserted.first() is not None

    async def canonical_json(self, brand_id: str, spec_hash: str) -> str | None:
        row = await self.session.get(DesignSpecRow, (brand_id, spec_hash))
        return None if row is None else row.canonical_json
