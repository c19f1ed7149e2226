"""The render service's repository in memory, for the handler tests."""

from datetime import UTC, datetime
from typing import Any

from atelier.contracts.render import RenderStatus
from atelier.render import domain
from atelier.render.models import RenderResult
from atelier.render.repository import RenderRepository


class FakeRenderRepository(RenderRepository):
    """``renders``: the preview rows by (brand, spec hash)."""

    def __init__(self) -> None:  # no session: the dict below is the table
        self.renders: dict[tuple[str, str], RenderResult] = {}

    async def request(self, brand_id: str, spec_hash: str) -> bool:
        row = self.renders.get((brand_id, spec_hash))
        if row is None:
            self.renders[brand_id, spec_hash] = RenderResult(
                brand_id=brand_id, spec_hash=spec_hash, kind=domain.PREVIEW,
                status=RenderStatus.PENDING)
            return True
        return self._pending_again(row, from_pending=False)

    async def take(self, brand_id: str, spec_hash: str) -> bool:
        row = self.renders.get((brand_id, spec_hash))
        return row is not None and self._pending_again(row, from_pending=True)

    async def find(self, brand_id: str, spec_hash: str) -> RenderResult | None:
        return self.renders.get((brand_id, spec_hash))

    async def ready(
        self, brand_id: str, spec_hash: str, object_key: str, content_type: str, width_px: int,
        height_px: int,
    ) -> bool:
        return self._settle_pending(
            brand_id, spec_hash, status=RenderStatus.READY, object_key=object_key,
            content_type=content_type, width_px=width_px, height_px=height_px,
            rendered_at=datetime.now(UTC))

    async def failed(self, brand_id: str, spec_hash: str, reason: str, retryable: bool) -> bool:
        return self._settle_pending(brand_id, spec_hash, status=RenderStatus.FAILED, reason=reason,
                            retryable=retryable)

    def _settle_pending(self, brand_id: str, spec_hash: str, **values: Any) -> bool:
        row = self.renders.get((brand_id, spec_hash))
        if row is None or row.status != RenderStatus.PENDING:
            return False
        for name, value in values.items():
            setattr(row, name, value)
        return True

    def _pending_again(self, row: RenderResult, from_pending: bool) -> bool:
        failed_for_now = row.status == RenderStatus.FAILED and row.retryable
        if not (failed_for_now or from_pending and row.status == RenderStatus.PENDING):
            return False
        row.status, row.retryable, row.reason = RenderStatus.PENDING, False, None
        return True
