"""The render service's statements. Every one filters on the brand: a brand only ever sees the
renders it asked for.

A render is pending, then settled once: ready, or failed. A failure after transient faults is
``retryable``: asking again makes it pending again; any other outcome stands.
"""

from typing import Any

from sqlalchemy import ColumnElement, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from atelier.contracts.render import RenderStatus
from atelier.render import domain
from atelier.render.models import RenderResult


class RenderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def request(self, brand_id: str, spec_hash: str) -> bool:
        """Ask for the preview of a design: True when it is to be drawn (new, or failed after
        transient faults), False when it is pending or settled already."""
        added = await self.session.execute(
            insert(RenderResult)
            .values(brand_id=brand_id, spec_hash=spec_hash, kind=domain.PREVIEW,
                    status=RenderStatus.PENDING)
            .on_conflict_do_nothing()
            .returning(col(RenderResult.spec_hash))
        )
        return added.first() is not None or await self._restart(
            brand_id, spec_hash, from_pending=False)

    async def take(self, brand_id: str, spec_hash: str) -> bool:
        """Whether the preview is to be drawn (still pending, or pending again after a
        retryable failure); False once it settled."""
        return await self._restart(brand_id, spec_hash, from_pending=True)

    async def find(self, brand_id: str, spec_hash: str) -> RenderResult | None:
        return await self.session.get(
            RenderResult, {"brand_id": brand_id, "spec_hash": spec_hash, "kind": domain.PREVIEW}
        )

    async def ready(
        self, brand_id: str, spec_hash: str, object_key: str, content_type: str, width_px: int,
        height_px: int,
    ) -> bool:
        """The preview was drawn and stored, now; False when it had settled already (a
        concurrent redelivery got there first)."""
        return await self._settle(
            brand_id, spec_hash, status=RenderStatus.READY, object_key=object_key,
            content_type=content_type, width_px=width_px, height_px=height_px,
            rendered_at=func.now(),
        )

    async def failed(self, brand_id: str, spec_hash: str, reason: str, retryable: bool) -> bool:
        """The preview was given up on; False when it had settled already."""
        return await self._settle(brand_id, spec_hash, status=RenderStatus.FAILED,
                                  reason=reason, retryable=retryable)

    async def _settle(self, brand_id: str, spec_hash: str, **values: Any) -> bool:
        changed = await self.session.execute(
            update(RenderResult)
            .where(*_preview(brand_id, spec_hash), col(RenderResult.status) == RenderStatus.PENDING)
            .values(**values)
            .returning(col(RenderResult.spec_hash))
        )
        return changed.first() is not None

    async def _restart(self, brand_id: str, spec_hash: str, from_pending: bool) -> bool:
        """Pending again, from a retryable failure (and from pending when ``from_pending``):
        never from a settled outcome."""
        failed = col(RenderResult.status) == RenderStatus.FAILED
        restartable = failed & col(RenderResult.retryable)
        if from_pending:
            restartable = restartable | (col(RenderResult.status) == RenderStatus.PENDING)
        changed = await self.session.execute(
            update(RenderResult)
            .where(*_preview(brand_id, spec_hash), restartable)
            .values(status=RenderStatus.PENDING, retryable=False, reason=None)
            .returning(col(RenderResult.spec_hash))
        )
        return changed.first() is not None


def _preview(brand_id: str, spec_hash: str) -> tuple[ColumnElement[bool], ...]:
    return (col(RenderResult.brand_id) == brand_id, col(RenderResult.spec_hash) == spec_hash,
            col(RenderResult.kind) == domain.PREVIEW)
