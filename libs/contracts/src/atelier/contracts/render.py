"""Renders of design specs (render service): mockups, thumbnails, zone textures and 3D models
(GLB, USDZ), each a kind of job with its own subject and worker pool."""

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from atelier.contracts.spec import AnySpec
from atelier.contracts.types import Finite


class RenderStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class RenderKind(StrEnum):
    MOCKUP = "mockup"  # a view drawn on its product photo, in a photo format (JPEG, or WebP)
    THUMBNAIL = "thumbnail"  # the first view's mockup in a 200 × 200 square
    ZONE = "zone"  # one zone's texture, transparent where nothing is drawn (PNG RGBA)
    GLB = "glb"  # the product's 3D model with the design on it (glTF binary: web, Android)
    USDZ = "usdz"  # the same model as a USDZ package (iOS AR Quick Look)


# the kinds drawn in 3D: of a product that has a 3D model (``DesignSpec.model``)
MODEL_KINDS = (RenderKind.GLB, RenderKind.USDZ)


ImageFormat = Literal["jpeg", "webp", "png"]


class RenderRequest(BaseModel):
    """What to render of a spec. ``view``: the view's key (mockup, thumbnail; none: the first
    view) or the zone's key (zone; none: the first zone); none of a 3D model (glb, usdz: the
    whole product). ``format``: of a mockup (none: JPEG).
    ``px_per_mm``: of a zone texture (none: the render service's default)."""

    kind: RenderKind = RenderKind.MOCKUP
    view: str | None = Field(default=None, max_length=64)
    format: ImageFormat | None = None
    px_per_mm: Finite | None = Field(default=None, gt=0, le=100)


class RenderJob(RenderRequest):
    """Job: draw one output of a spec. Each kind has its subject; the workers of a kind compete
    on one work-queue consumer. ``variant`` names the output within its kind (it is the object's
    file name: ``renders/<spec_hash>/<kind>-<variant>``)."""

    spec_hash: str
    spec: AnySpec
    variant: str
    snapshot_id: str | None = None


class RenderPreview(BaseModel):
    """Job of version 1 (``job.render.preview``): the mockup of the spec's first view. Still
    consumed, so that jobs queued before ``RenderJob`` drain; no longer sent."""

    spec_hash: str
    spec: AnySpec
    snapshot_id: str | None = None


class RenderCompleted(BaseModel):
    """An output is ready. ``kind`` is ``preview`` in messages from before kinds (the first
    view's mockup, ``view`` empty)."""

    spec_hash: str
    kind: str = "preview"
    view: str = ""
    object_key: str
    content_type: str
    width_px: int
    height_px: int
    snapshot_id: str | None = None


class RenderFailed(BaseModel):
    spec_hash: str
    kind: str = "preview"
    view: str = ""
    reason: str
    snapshot_id: str | None = None


class RequestRender(RenderRequest):
    """Render ``spec`` (the same spec again is a cache hit: no second job)."""

    spec_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    spec: AnySpec


class GetRender(BaseModel):
    spec_hash: str


class RenderedAsset(BaseModel):
    kind: str
    view: str
    variant: str
    status: RenderStatus
    object_key: str | None = None
    content_type: str | None = None
    width_px: int | None = None
    height_px: int | None = None
    reason: str | None = None


class RenderState(BaseModel):
    """Every output asked of a spec by the brand: ``status`` is failed when one failed, pending
    while one is pending, else ready."""

    spec_hash: str
    status: RenderStatus
    assets: list[RenderedAsset]
