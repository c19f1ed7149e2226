"""The render service's statements. Every one filters on the brand: a brand only ever sees the
renders it asked for.

A render is pending, then settled once: ready, or failed. A failure after transient faults is
``retryable``: asking again makes it pending again; any other outcome stands.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from atelier.contracts.render import RenderStatus
from atelier.render.models import RenderResult


@dataclass(frozen=True)
class Output:
    """One output of one brand's design: the row's key."""

    brand_id: str
    spec_hash: str
    kind: str
    variant: str

    def where(self) -> tuple[ColumnElement[bool], ...]:
        return (col(RenderResult.brand_id) == self.brand_id,
                col(RenderResult.spec_hash) == self.spec_hash,
                col(RenderResult.kind) == self.kind, col(RenderResult.variant) == self.variant)


class RenderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def request(self, output: Output) -> bool:
        """Ask for an output: True when it is to be drawn (new, or failed after transient
        faults), False when it is pending or settled already."""
        added = await self.session.execute(
            insert(RenderResult)
            .values(brand_id=output.brand_id, spec_hash=output.spec_hash, kind=output.kind,
                    variant=output.variant, status=RenderStatus.PENDING)
            .on_conflict_do_nothing()
            .returning(col(RenderResult.spec_hash))
        )
        return added.first() is not None or await self._restart(output, from_pending=False)

    async def take(self, output: Output) -> bool:
        """Whether the output is to be drawn (still pending, or pending again after a
        retryable failure); False once it settled."""
        return await self._restart(output, from_pending=True)

    async def find(self, output: Output) -> RenderResult | None:
        return await self.session.get(
            RenderResult, {"brand_id": output.brand_id, "spec_hash": output.spec_hash,
                           "kind": output.kind, "variant": output.variant})

    async def of_spec(self, brand_id: str, spec_hash: str) -> list[RenderResult]:
        """Every output of the design the brand asked for, oldest first."""
        rows = await self.session.execute(
            select(RenderResult)
            .where(col(RenderResult.brand_id) == brand_id,
                   col(RenderResult.spec_hash) == spec_hash)
            .order_by(col(RenderResult.created_at), col(RenderResult.kind),
                      col(RenderResult.variant))
        )
        return list(rows.scalars())

    async def ready(
        self, output: Output, object_key: str, content_type: str, width_px: int, height_px: int
    ) -> bool:
        """The output was drawn and stored, now; False when it had settled already (a
        concurrent redelivery got there first)."""
        return await self._settle(
            output, status=RenderStatus.READY, object_key=object_key,
            content_type=content_type, width_px=width_px, height_px=height_px,
            rendered_at=func.now(),
        )

    async def failed(self, output: Output, reason: str, retryable: bool) -> bool:
        """The output was given up on; False when it had settled already."""
        return await self._settle(output, status=RenderStatus.FAILED, reason=reason,
                                  retryable=retryable)

    async def _settle(self, output: Output, **values: Any) -> bool:
        changed = await self.session.execute(
            update(RenderResult)
            .where(*output.where(), col(RenderResult.status) == RenderStatus.PENDING)
            .values(**values)
            .returning(col(RenderResult.spec_hash))
        )
        return changed.first() is not None

    async def _restart(self, output: Output, from_pending: bool) -> bool:
        """Pending again, from a retryable failure (and from pending when ``from_pending``):
        never from a settled outcome."""
        failed = col(RenderResult.status) == RenderStatus.FAILED
        restartable = failed & col(RenderResult.retryable)
        if from_pending:
            restartable = restartable | (col(RenderResult.status) == RenderStatus.PENDING)
        changed = await self.session.execute(
            update(RenderResult)
            .where(*output.where(), restartable)
            .values(status=RenderStatus.PENDING, retryable=False, reason=None)
            .returning(col(RenderResult.spec_hash))
        )
        return changed.first() is not None
