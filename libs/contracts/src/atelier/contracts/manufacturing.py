"""Production bundles (manufacturing service): output profiles, work orders and their events.

A work order produces one bundle of a snapshot's design: a ZIP of the files a machine or a print
shop takes as they are (SVG, DXF, PDF, PNG per view), a manifest and a one-page proof, as the
output profile says.
"""

import re
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from atelier.contracts.spec import AnySpec
from atelier.contracts.types import Finite, Id, Line

ExportFormat = Literal["svg", "dxf", "pdf", "png"]
NAME_FIELDS = ("order", "item", "sku", "snapshot")


class ColourMode(StrEnum):
    RGB = "rgb"
    CMYK = "cmyk"


PROFILE_NAME = r"^[a-z][a-z0-9_-]{0,31}$"


class ProfileSettings(BaseModel):
    """What a product's bundle holds and how its files are drawn."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra={"examples": [
        {"formats": ["svg", "dxf", "pdf"], "dpi": 300, "colour_mode": "rgb",
         "crop_marks": False, "mirror": True, "tolerance_mm": 0.01,
         "file_name": "{order}-{item}-{sku}"}]})

    formats: tuple[ExportFormat, ...] = Field(min_length=1, max_length=4)
    dpi: int = Field(default=300, ge=72, le=1200, description="of the PNG, recorded in it")
    colour_mode: ColourMode = ColourMode.RGB
    # strict: a JSON true or false, not 0 or "yes" (the published schema says boolean)
    crop_marks: bool = Field(default=False, strict=True)
    mirror: bool = Field(default=False, strict=True, description="mirrored left to right, for "
                         "engraving the back of glass or acrylic")
    tolerance_mm: Finite = Field(default=0.01, ge=0.001, le=0.5,
                                description="the most a flattened curve (DXF) strays from it")
    file_name: str = Field(
        default="{snapshot}", min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_{}.-]+$",
        description="the ZIP's name without .zip (the files in it: <name>-<view>.<format>); "
        "fields: {order} {item} {sku} {snapshot}",
    )

    @field_validator("file_name")
    @classmethod
    def _known_fields(cls, template: str) -> str:
        rest = re.sub("|".join(f"{{{name}}}" for name in NAME_FIELDS), "", template)
        if "{" in rest or "}" in rest:
            raise ValueError(f"the template may name only {', '.join(NAME_FIELDS)} in braces")
        return template


class OutputProfile(ProfileSettings):
    name: str = Field(pattern=PROFILE_NAME)


class ListProfiles(BaseModel):
    pass


class ProfileList(BaseModel):
    """The platform's profiles and the brand's own (which override one of the same name)."""

    profiles: list[OutputProfile]
    products: dict[str, str] = Field(description="product id → its profile's name")


class SetProductProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: Id
    profile: str = Field(pattern=PROFILE_NAME)


class ProductProfile(BaseModel):
    product_id: str
    profile: str


class WorkOrderStatus(StrEnum):
    PENDING = "pending"
    GENERATING = "generating"
    READY = "ready"
    FAILED = "failed"


class ExportPack(BaseModel):
    """Produce a snapshot's bundle with a profile (none: the product's, or the platform's
    default). Only a validated or locked snapshot is produced."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"snapshot_id": "0193a5c6-7b1d-7d2e-9a3f-4c5d6e7f8a9b", "profile": "laser",
         "order_id": "1001", "item_id": "1", "sku": "MUG-11OZ"}]})

    snapshot_id: Id
    profile: str | None = Field(default=None, pattern=PROFILE_NAME)
    order_id: Id | None = None
    item_id: Id | None = None
    sku: Line | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")


class GetWorkOrder(BaseModel):
    work_order_id: Id


class RegenerateWorkOrder(BaseModel):
    work_order_id: Id


class BundleFile(BaseModel):
    name: str
    size: int
    sha256: str


class WorkOrderView(BaseModel):
    id: str
    snapshot_id: str
    spec_hash: str
    profile: str
    status: WorkOrderStatus
    order_id: str | None = None
    item_id: str | None = None
    reason: str | None = Field(default=None, description="why it failed")
    bundle_name: str | None = Field(default=None, description="the ZIP's file name, once ready")
    object_key: str | None = Field(default=None, description="the ZIP in object storage")
    files: list[BundleFile] = Field(default_factory=list, description="the ZIP's files")


class ExportJob(BaseModel):
    """Job: make a work order's bundle. Carries all it needs: the spec as snapshotted."""

    work_order_id: str
    snapshot_id: str
    spec_hash: str
    spec: AnySpec
    profile: OutputProfile
    order_id: str | None = None
    item_id: str | None = None
    sku: str | None = None


class BundleReady(BaseModel):
    work_order_id: str
    snapshot_id: str
    spec_hash: str
    object_key: str
    bundle_name: str
    sha256: str
    size: int
    order_id: str | None = None
    item_id: str | None = None


class BundleFailed(BaseModel):
    work_order_id: str
    snapshot_id: str
    reason: str
    order_id: str | None = None
    item_id: str | None = None


class GetBundles(BaseModel):
    order_id: Id


class BundleList(BaseModel):
    """The work orders of a shop order's items (each with its bundle once ready)."""

    order_id: str
    work_orders: list[WorkOrderView]
