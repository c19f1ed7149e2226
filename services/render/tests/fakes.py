"""The render service's repository in memory, for the handler tests."""

from datetime import UTC, datetime
from typing import Any

from atelier.contracts.render import RenderStatus
from atelier.render.models import RenderResult
from atelier.render.repository import Output, RenderRepository


class FakeRenderRepository(RenderRepository):
    """``renders``: the rows by their key."""

    def __init__(self) -> None:  # no session: the dict below is the table
        self.renders: dict[Output, RenderResult] = {}

    async def request(self, output: Output) -> bool:
        row = self.renders.get(output)
        if row is None:
            self.renders[output] = RenderResult(
                brand_id=output.brand_id, spec_hash=output.spec_hash, kind=output.kind,
                variant=output.variant, status=RenderStatus.PENDING,
                created_at=datetime.now(UTC))
            return True
        return self._pending_again(row, from_pending=False)

    async def take(self, output: Output) -> bool:
        row = self.renders.get(output)
        return row is not None and self._pending_again(row, from_pending=True)

    async def find(self, output: Output) -> RenderResult | None:
        return self.renders.get(output)

    async def of_spec(self, brand_id: str, spec_hash: str) -> list[RenderResult]:
        return [row for key, row in self.renders.items()
                if (key.brand_id, key.spec_hash) == (brand_id, spec_hash)]

    async def ready(
        self, output: Output, object_key: str, content_type: str, width_px: int, height_px: int
    ) -> bool:
        return self._settle_pending(
            output, status=RenderStatus.READY, object_key=object_key,
            content_type=content_type, width_px=width_px, height_px=height_px,
            rendered_at=datetime.now(UTC))

    async def failed(self, output: Output, reason: str, retryable: bool) -> bool:
        return self._settle_pending(output, status=RenderStatus.FAILED, reason=reason,
                                    retryable=retryable)

    def _settle_pending(self, output: Output, **values: Any) -> bool:
        row = self.renders.get(output)
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
