"""The manufacturing service's statements. Every one filters on the brand.

A work order is pending, then generating while a worker makes its bundle, then ready or failed
(with the reason). Made again (regenerated), it is pending again; a redelivered job finds it
generating and makes it once more (the same bytes), a job whose order settled does nothing.
"""

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from atelier.contracts.manufacturing import OutputProfile, WorkOrderStatus
from atelier.manufacturing.models import (
    BundleRow,
    OutputProfileRow,
    ProductProfileRow,
    WorkOrderRow,
)

PENDING, GENERATING = WorkOrderStatus.PENDING.value, WorkOrderStatus.GENERATING.value
READY, FAILED = WorkOrderStatus.READY.value, WorkOrderStatus.FAILED.value


class ManufacturingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: WorkOrderRow) -> None:
        self.session.add(row)

    async def find(self, brand_id: str, work_order_id: str, for_update: bool = False
                   ) -> WorkOrderRow | None:
        query = select(WorkOrderRow).where(col(WorkOrderRow.brand_id) == brand_id,
                                           col(WorkOrderRow.id) == work_order_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def of_order(self, brand_id: str, order_id: str) -> list[WorkOrderRow]:
        """The work orders of a shop order's items, oldest first."""
        found = await self.session.execute(
            select(WorkOrderRow).where(col(WorkOrderRow.brand_id) == brand_id,
                                       col(WorkOrderRow.order_id) == order_id)
            .order_by(col(WorkOrderRow.id)))
        return list(found.scalars())

    async def items_made(self, brand_id: str, item_ids: list[str]) -> set[str]:
        """Which of these order items have a work order already (one each, at most)."""
        found = await self.session.execute(
            select(col(WorkOrderRow.order_item_id)).where(
                col(WorkOrderRow.brand_id) == brand_id,
                col(WorkOrderRow.order_item_id).in_(item_ids)))
        return {item_id for item_id in found.scalars() if item_id is not None}

    async def bundle(self, brand_id: str, work_order_id: str) -> BundleRow | None:
        return (await self.session.execute(
            select(BundleRow).where(col(BundleRow.brand_id) == brand_id,
                                    col(BundleRow.work_order_id) == work_order_id)
        )).scalar_one_or_none()

    async def generating(self, brand_id: str, work_order_id: str) -> bool:
        """Taken by a worker: False when the order settled (ready or failed) meanwhile."""
        return await self._move(brand_id, work_order_id, (PENDING, GENERATING), GENERATING)

    async def ready(self, bundle: BundleRow) -> bool:
        """The bundle is stored: the order is ready, with it (replacing the one made before)."""
        if not await self._move(bundle.brand_id, bundle.work_order_id, (PENDING, GENERATING),
                                READY, reason=None):
            return False
        values = {c: getattr(bundle, c) for c in ("id", "brand_id", "work_order_id", "name",
                                                 "object_key", "sha256", "size", "status",
                                                 "manifest")}
        replaced = {c: v for c, v in values.items() if c not in ("id", "brand_id",
                                                                 "work_order_id")}
        await self.session.execute(
            insert(BundleRow).values(**values)
            .on_conflict_do_update(index_elements=[col(BundleRow.work_order_id)], set_=replaced)
        )
        return True

    async def failed(self, brand_id: str, work_order_id: str, reason: str) -> bool:
        return await self._move(brand_id, work_order_id, (PENDING, GENERATING), FAILED,
                                reason=reason)

    async def again(self, brand_id: str, work_order_id: str) -> bool:
        """Pending again, from ready or failed (regenerated)."""
        return await self._move(brand_id, work_order_id, (READY, FAILED), PENDING, reason=None)

    # --- output profiles ---------------------------------------------------------------------

    async def profiles(self, brand_id: str) -> dict[str, OutputProfile]:
        """The brand's own profiles by name."""
        rows = await self.session.execute(
            select(OutputProfileRow).where(col(OutputProfileRow.brand_id) == brand_id))
        return {row.name: OutputProfile.model_validate(row.profile) for row in rows.scalars()}

    async def put_profile(self, brand_id: str, profile: OutputProfile) -> None:
        values = {"brand_id": brand_id, "name": profile.name,
                  "profile": profile.model_dump(mode="json")}
        await self.session.execute(
            insert(OutputProfileRow).values(**values).on_conflict_do_update(
                index_elements=[col(OutputProfileRow.brand_id), col(OutputProfileRow.name)],
                set_={"profile": values["profile"], "updated_at": func.now()}))

    async def product_profiles(self, brand_id: str) -> dict[str, str]:
        rows = await self.session.execute(
            select(ProductProfileRow).where(col(ProductProfileRow.brand_id) == brand_id))
        return {row.product_id: row.profile for row in rows.scalars()}

    async def product_profile(self, brand_id: str, product_id: str) -> str | None:
        row = await self.session.get(ProductProfileRow, {"brand_id": brand_id,
                                                         "product_id": product_id})
        return row.profile if row is not None else None

    async def put_product_profile(self, brand_id: str, product_id: str, profile: str) -> None:
        await self.session.execute(
            insert(ProductProfileRow)
            .values(brand_id=brand_id, product_id=product_id, profile=profile)
            .on_conflict_do_update(
                index_elements=[col(ProductProfileRow.brand_id),
                                col(ProductProfileRow.product_id)],
                set_={"profile": profile, "updated_at": func.now()}))

    async def _move(self, brand_id: str, work_order_id: str, sources: tuple[str, ...],
                    status: str, **values: Any) -> bool:
        moved = await self.session.execute(
            update(WorkOrderRow)
            .where(col(WorkOrderRow.brand_id) == brand_id, col(WorkOrderRow.id) == work_order_id,
                   col(WorkOrderRow.status).in_(sources))
            .values(status=status, updated_at=func.now(), **values)
            .returning(col(WorkOrderRow.id))
        )
        return moved.first() is not None
