"""Previews and production renders (render service)."""

from enum import StrEnum

from pydantic import BaseModel

from atelier.contracts.spec import AnySpec


class RenderStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class RenderPreview(BaseModel):
    """Job: draw the preview of a spec. Competing workers share one work-queue consumer."""

    spec_hash: str
    spec: AnySpec
    snapshot_id: str | None = None


class RenderCompleted(BaseModel):
    spec_hash: str
    kind: str = "preview"
    object_key: str
    content_type: str
    width_px: int
    height_px: int
    snapshot_id: str | None = None


class RenderFailed(BaseModel):
    spec_hash: str
    kind: str = "preview"
    reason: str
    snapshot_id: str | None = None


class GetPreview(BaseModel):
    spec_hash: str


class PreviewStatus(BaseModel):
    spec_hash: str
    status: RenderStatus
    object_key: str | None = None
    reason: str | None = None
