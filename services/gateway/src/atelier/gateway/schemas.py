"""The HTTP request and response bodies of the gateway (bus payloads live in atelier.contracts)."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Json

from atelier.contracts import ErrorItem
from atelier.contracts.manufacturing import PROFILE_NAME, WorkOrderView
from atelier.contracts.model3d import BoxShape, CylinderShape, PlateShape, ProductModel
from atelier.contracts.personalization import (
    EXAMPLE_PLACED_ZONE,
    EXAMPLE_VIEW,
    EXAMPLE_ZONE,
    TextZone,
    ValidateDesign,
    View,
    ZoneResult,
)
from atelier.contracts.render import RenderStatus
from atelier.contracts.snapshot import SnapshotView
from atelier.contracts.spec import ValidateSpec
from atelier.contracts.types import Line
from atelier.gateway import domain


class Request(BaseModel):
    # an unknown field (say, a brand_id) is an error the client sees, not something we ignore
    model_config = ConfigDict(extra="forbid")


def _origins(origins: list[str]) -> list[str]:
    return list(dict.fromkeys(domain.normalize_origin(o) for o in origins))


# http(s)://host[:port], normalized as browsers send them, duplicates dropped
AllowedOrigins = Annotated[list[Annotated[Line, Field(max_length=300)]], Field(
    max_length=50, description="origins the widget may call from"), AfterValidator(_origins)]


class CreateBrand(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Demo Brand", "allowed_origins": ["https://shop.example"]}]})

    name: Line = Field(min_length=1, max_length=200)
    allowed_origins: AllowedOrigins = Field(default_factory=list)


class BrandOrigins(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"allowed_origins": ["https://shop.example", "http://localhost:8000"]}]})

    allowed_origins: AllowedOrigins


class Brand(BaseModel):
    id: str
    name: str
    allowed_origins: list[str]


class BrandCreated(Brand):
    publishable_key: str = Field(description="for the widget (X-Atelier-Key)")
    secret_key: str = Field(description="for servers and admin; shown only this once")


class NewKey(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"kind": "publishable"}]})

    kind: domain.KeyKind = Field(description="publishable (pk_…, the widget) or secret (sk_…)")


class ApiKey(BaseModel):
    """A key as listed: never the key itself, which is shown once, when it is made."""

    id: str
    kind: domain.KeyKind
    key_prefix: str = Field(description="the key's first characters, to recognise it")
    created_at: datetime
    revoked_at: datetime | None = None


class ApiKeys(BaseModel):
    keys: list[ApiKey]


class IssuedKey(ApiKey):
    key: str = Field(description="the key itself; shown only this once")


class Design(ValidateDesign):
    """A shopper's design, sent on to personalization as it is."""


class Validation(BaseModel):
    """What the widget sees of a ValidationResult: all of it but the resolved design, which stays
    inside the platform (the gateway sends the result without it)."""

    valid: bool
    zones: list[ZoneResult]
    errors: list[ErrorItem]


class Template(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"zones": [EXAMPLE_ZONE]}, {"views": [EXAMPLE_VIEW], "zones": [EXAMPLE_PLACED_ZONE]}]})

    views: list[View] = Field(
        default_factory=list, max_length=10,
        description="the product's sides; none: one view, front, with the zones stacked")
    zones: list[TextZone] = Field(min_length=1, max_length=20, description="the new version")
    model: ProductModel | None = Field(
        default=None, description="the product's 3D model (a parametric shape in millimetres, "
        "or a GLB uploaded with PUT /v1/admin/products/{id}/model/glb); none: no 3D or AR")


class Shape(Request):
    """A parametric 3D model of the product, sized in millimetres."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"shape": {"kind": "cylinder", "diameter_mm": 82, "height_mm": 95}},
        {"shape": {"kind": "plate", "width_mm": 60, "height_mm": 30, "thickness_mm": 2,
                   "finish": {"colour": "#C0A060", "metallic": 1, "roughness": 0.35}}}]})

    shape: Annotated[PlateShape | CylinderShape | BoxShape, Field(discriminator="kind")]


class Lock(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "order:1001"}]})

    reason: Line = Field(min_length=1, max_length=500, description="e.g. order:<id>")


class SpecDocument(ValidateSpec):
    model_config = ConfigDict(extra="forbid")


class Preview(BaseModel):
    status: RenderStatus
    url: str | None = Field(
        default=None, exclude_if=lambda url: url is None, description="once the preview is ready"
    )


class Snapshot(SnapshotView):
    preview: Preview


class RenderAsset(BaseModel):
    kind: str = Field(description="mockup, thumbnail, zone, glb or usdz (preview: a first "
                                  "view's mockup drawn before kinds)")
    view: str = Field(description="the view's key (a zone texture: the zone's; a 3D model: "
                                  "empty, it is the whole product)")
    status: RenderStatus
    url: str | None = Field(default=None, exclude_if=lambda url: url is None,
                            description="once it is ready: immutable, cacheable")
    content_type: str | None = Field(default=None, exclude_if=lambda v: v is None)
    width_px: int | None = Field(default=None, exclude_if=lambda v: v is None,
                                 description="of an image (a 3D model: its largest texture)")
    height_px: int | None = Field(default=None, exclude_if=lambda v: v is None)
    reason: str | None = Field(default=None, exclude_if=lambda v: v is None,
                               description="why it failed")


class Render(BaseModel):
    """The renders of one design: its id is the design's spec hash, so the same design is
    rendered once. ``status``: failed when an asset failed, pending while one is pending, else
    ready."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "0" * 64, "status": "ready", "assets": [{
            "kind": "mockup", "view": "front", "status": "ready",
            "url": f"/v1/assets/renders/{'0' * 64}/mockup-front.jpg",
            "content_type": "image/jpeg", "width_px": 1024, "height_px": 427}]}]})

    id: str = Field(description="the design's spec hash")
    status: RenderStatus
    assets: list[RenderAsset]



class RenderEvent(BaseModel):
    """One server-sent event of a render's stream: named by its status, the render as JSON."""

    event: RenderStatus
    data: Json[Render]


class PreviewEvent(BaseModel):
    """One server-sent event of a snapshot's stream: named by its preview's status, the preview
    as JSON."""

    event: RenderStatus
    data: Json[Preview]


class WorkOrder(WorkOrderView):
    download_url: str | None = Field(
        default=None, description="once ready: the bundle (ZIP), by a short-lived signed URL")
    download_expires_at: datetime | None = Field(default=None,
                                                 description="when the download URL stops working")


class Bundles(BaseModel):
    """A shop order's production bundles, an item each."""

    order_id: str
    work_orders: list[WorkOrder]


class ProductProfileChoice(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"profile": "laser"}]})

    profile: str = Field(pattern=PROFILE_NAME, description="a platform profile or the brand's")


class WidgetManifest(BaseModel):
    """The widget's current build: load ``entry_url`` (relative to the gateway)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "version": "0123456789ab", "entry": "atelier-personalizer.js",
        "files": ["atelier-personalizer.js", "hb.wasm"],
        "entry_url": "/widget/0123456789ab/atelier-personalizer.js"}]})

    version: str = Field(pattern=r"^[0-9a-f]{12}$")
    entry: str
    files: list[str]
    entry_url: str


class EventsAccepted(BaseModel):
    """A batch of the widget's events accepted: stored moments later (events naming a product
    that is not the brand's are dropped then)."""

    accepted: int = Field(ge=1, le=50)
