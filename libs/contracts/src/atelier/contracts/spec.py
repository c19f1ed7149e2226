"""Design specs: the canonical, content-addressed description of one personalized design.

A spec fully determines what is drawn and produced: the template version it was made against,
the product's views (artboards in millimetres, each with its photo pinned by content hash and
where the artboard lies on it), and for every zone the resolved layout (text after
normalization, font pinned by content hash, size after auto-fit, colour, alignment, box, bleed
and safe area) and its place on a view. Its SHA-256 over the RFC 8785 canonical JSON is its
identity: the same inputs give the same hash, and the same cached outputs. The JSON Schemas of
``DesignSpec`` (version 2) and of ``DesignSpecV1`` are published under ``proto-schemas/spec/``.

Version 1 (zones without views) is still read wherever a stored spec travels (``AnySpec``), and
hashes as it always did; ``placed`` is the one place that turns it into the version 2 shape for
drawing: one view, "front", with the zones stacked (``stacked``), as its preview was drawn.
"""

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from atelier.contracts.errors import ErrorItem
from atelier.contracts.model3d import ProductModel
from atelier.contracts.types import ID_EXAMPLE, Finite, Id, Version

HEX_COLOUR = r"^#[0-9A-Fa-f]{6}$"
SHA256_HEX = r"^[0-9a-f]{64}$"
KEY = r"^[a-z][a-z0-9_]{0,31}$"  # a zone's or a view's key
# where an artboard or a zone may lie: far beyond any product, within what floats keep exact
MAX_MM = 5000
MAX_PHOTO_SIDE_PX = 8192  # an uploaded photo's longest side
MAX_PHOTO_PIXELS = 40_000_000  # and its area: decoded RGBA, 160 MB at most
STACK_GAP_MM = 2.0  # between zones stacked on the default view
DEFAULT_VIEW = "front"


class Layer(StrEnum):
    ENGRAVE = "engrave"
    CUT = "cut"
    PRINT = "print"


class Align(StrEnum):
    START = "start"
    CENTER = "center"
    END = "end"


FONT_OBJECTS = "fonts/"


def font_object_key(sha256: str) -> str:
    """Where an uploaded font's bytes are stored: content-addressed, so that every service finds
    the exact font a ``FontRef`` pins."""
    return f"{FONT_OBJECTS}{sha256}"


PHOTO_OBJECTS = "photos/"


def photo_object_key(sha256: str) -> str:
    """Where an uploaded product photo's bytes are stored: content-addressed, like fonts."""
    return f"{PHOTO_OBJECTS}{sha256}"


class FontRef(BaseModel):
    """A font pinned by content: a re-uploaded font with the same id cannot change a design."""

    model_config = ConfigDict(extra="forbid")

    id: Id
    sha256: str = Field(pattern=SHA256_HEX)


class SpecZone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    text: str = Field(description="NFC-normalized text as validated; lines separated by \\n")
    layer: Layer
    width_mm: Finite = Field(gt=0, description="print box")
    height_mm: Finite = Field(gt=0)
    bleed_mm: Finite = Field(ge=0)
    safe_mm: Finite = Field(ge=0, description="inset of the safe area from the print box")
    font: FontRef
    size_mm: Finite = Field(gt=0, description="em size after auto-fit")
    colour: str = Field(pattern=HEX_COLOUR)
    align: Align
    line_height: Finite = Field(gt=0)
    max_lines: int = Field(ge=1, le=20)


PhotoCoordinate = Annotated[Finite, Field(ge=-100_000, le=100_000)]
Mm = Annotated[Finite, Field(ge=-MAX_MM, le=MAX_MM)]


class PhotoPoint(BaseModel):
    """A point on a photo in pixels: x to the right, y down, from the top-left pixel's corner."""

    model_config = ConfigDict(extra="forbid")

    x_px: PhotoCoordinate
    y_px: PhotoCoordinate


class StraightPlacement(BaseModel):
    """The artboard seen square on: a millimetre is ``scale_px_per_mm`` photo pixels, and the
    artboard's top-left corner is at (``offset_x_px``, ``offset_y_px``)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["straight"]
    scale_px_per_mm: Finite = Field(gt=0, le=1000)
    offset_x_px: PhotoCoordinate
    offset_y_px: PhotoCoordinate


class QuadPlacement(BaseModel):
    """The artboard seen at an angle: where its four corners are on the photo, top-left,
    top-right, bottom-right, bottom-left (a projective map: straight lines stay straight)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["quad"]
    corners: list[PhotoPoint] = Field(min_length=4, max_length=4,
                                      description="TL, TR, BR, BL, in photo pixels")

    @model_validator(mode="after")
    def _convex(self) -> "QuadPlacement":
        # a flat rectangle photographed from the front side is a convex quadrilateral with its
        # corners in this turning order; anything else has no projective map from the artboard
        points = [(c.x_px, c.y_px) for c in self.corners]
        turns = [
            (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])
            for a, b, c in zip(points, points[1:] + points[:1], points[2:] + points[:2],
                               strict=True)
        ]
        if not all(turn > 1e-6 for turn in turns):
            raise ValueError("the corners must form a convex quadrilateral, in the order "
                             "top-left, top-right, bottom-right, bottom-left (clockwise)")
        return self


Placement = Annotated[StraightPlacement | QuadPlacement, Field(discriminator="kind")]


class PhotoRef(BaseModel):
    """A product photo a brand uploaded, pinned by content (stored at ``photos/<sha256>``)."""

    model_config = ConfigDict(extra="forbid")

    sha256: str = Field(pattern=SHA256_HEX)
    width_px: int = Field(ge=1, le=MAX_PHOTO_SIDE_PX)
    height_px: int = Field(ge=1, le=MAX_PHOTO_SIDE_PX)


def fitted_placement(width_mm: float, height_mm: float, photo: PhotoRef) -> StraightPlacement:
    """Where an artboard lies on a photo that no placement was given for: centred, as large as
    fits in 80 % of the photo (so that a brand sees its design at once, then places it)."""
    scale = 0.8 * min(photo.width_px / width_mm, photo.height_px / height_mm)
    return StraightPlacement(
        kind="straight", scale_px_per_mm=scale,
        offset_x_px=(photo.width_px - width_mm * scale) / 2,
        offset_y_px=(photo.height_px - height_mm * scale) / 2,
    )


class SpecView(BaseModel):
    """One side of the product (front, back, lid…): an artboard in millimetres, y down, and the
    photo it is drawn on with where the artboard lies on it (none: drawn on white)."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY)
    width_mm: Finite = Field(gt=0, le=MAX_MM)
    height_mm: Finite = Field(gt=0, le=MAX_MM)
    photo: PhotoRef | None = None
    placement: Placement | None = Field(default=None, description="given with a photo")

    @model_validator(mode="after")
    def _photo_placed(self) -> "SpecView":
        if (self.photo is None) != (self.placement is None):
            raise ValueError("a view has a placement exactly when it has a photo")
        return self


class PlacedSpecZone(SpecZone):
    """A zone placed on a view: the centre of its print box at (x_mm, y_mm) on the artboard,
    turned by rotation_deg about that centre (clockwise on the page, y being down)."""

    view: str = Field(pattern=KEY)
    x_mm: Mm
    y_mm: Mm
    rotation_deg: Finite = Field(ge=-360, le=360)


class DesignSpecV1(BaseModel):
    """The first spec shape: zones without views. Still read and drawn (see ``placed``)."""

    model_config = ConfigDict(extra="forbid")

    spec_version: Literal[1] = 1
    product_id: Id
    template_version: Version
    zones: list[SpecZone] = Field(min_length=1)


class DesignSpec(BaseModel):
    """The design as made today (version 2): views, and zones placed on them."""

    model_config = ConfigDict(extra="forbid")

    spec_version: Literal[2] = 2
    product_id: Id
    template_version: Version
    views: list[SpecView] = Field(min_length=1, max_length=10)
    zones: list[PlacedSpecZone] = Field(min_length=1)
    # left out when absent: a spec without a model serializes, and so hashes, as it did before
    # models existed
    model: ProductModel | None = Field(
        default=None, exclude_if=lambda model: model is None,
        description="the product's 3D model (absent: the product has none)")

    @model_validator(mode="after")
    def _zones_on_views(self) -> "DesignSpec":
        keys = [view.key for view in self.views]
        if len(keys) != len(set(keys)):
            raise ValueError("view keys must be unique")
        for zone in self.zones:
            if zone.view not in keys:
                raise ValueError(f"zone {zone.key!r} is placed on an unknown view {zone.view!r}")
        return self


# A spec as stored and sent: either version, told apart by ``spec_version``.
AnySpec = Annotated[DesignSpecV1 | DesignSpec, Field(discriminator="spec_version")]
ANY_SPEC: TypeAdapter[DesignSpecV1 | DesignSpec] = TypeAdapter(AnySpec)
SPEC_VERSIONS: dict[int, TypeAdapter[DesignSpecV1] | TypeAdapter[DesignSpec]] = {
    1: TypeAdapter(DesignSpecV1), 2: TypeAdapter(DesignSpec)}


Size = tuple[float, float]


def stacked(sizes: list[Size]) -> tuple[Size, list[tuple[float, float]]]:
    """The default layout of print boxes (width, height) on one artboard: stacked top to bottom
    with ``STACK_GAP_MM`` between them, each centred across. Gives the artboard's size and each
    box's centre. Used for a template published without views and for a version 1 spec."""
    width = max(w for w, _ in sizes)
    height = sum(h for _, h in sizes) + STACK_GAP_MM * (len(sizes) - 1)
    centres, top = [], 0.0
    for _, h in sizes:
        centres.append((width / 2, top + h / 2))
        top += h + STACK_GAP_MM
    return (width, height), centres


def placed(spec: DesignSpecV1 | DesignSpec) -> DesignSpec:
    """The spec in the version 2 shape, for drawing: a version 1 spec gets one view,
    ``DEFAULT_VIEW``, with its zones stacked (``stacked``), which is how it was drawn."""
    if isinstance(spec, DesignSpec):
        return spec
    (width, height), centres = stacked([(z.width_mm, z.height_mm) for z in spec.zones])
    zones = [
        PlacedSpecZone(**zone.model_dump(), view=DEFAULT_VIEW, x_mm=x, y_mm=y, rotation_deg=0)
        for zone, (x, y) in zip(spec.zones, centres, strict=True)
    ]
    return DesignSpec(
        product_id=spec.product_id, template_version=spec.template_version,
        views=[SpecView(key=DEFAULT_VIEW, width_mm=width, height_mm=height)], zones=zones,
    )


class CreateSpec(BaseModel):
    spec: AnySpec


class SpecCreatedReply(BaseModel):
    spec_hash: str = Field(description="SHA-256 (hex) of the RFC 8785 canonical JSON of the spec")
    canonical_json: str
    created: bool = Field(description="false when the same spec was stored before")


class SpecCreated(BaseModel):
    spec_hash: str
    product_id: str
    template_version: int


class GetSpec(BaseModel):
    spec_hash: str


class StoredSpec(BaseModel):
    spec_hash: str
    spec: AnySpec
    canonical_json: str


class ValidateSpec(BaseModel):
    """Check a spec document as a client holds it: schema, canonical form, optional hash."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"document": {
        "spec_version": 2, "product_id": ID_EXAMPLE, "template_version": 1,
        "views": [{"key": "front", "width_mm": 140, "height_mm": 14}],
        "zones": [{
            "key": "name", "text": "Ada", "layer": "engrave", "width_mm": 60, "height_mm": 12,
            "bleed_mm": 0, "safe_mm": 1, "font": {"id": "dejavu-sans", "sha256": "0" * 64},
            "size_mm": 8, "colour": "#1F2937", "align": "center", "line_height": 1.2,
            "max_lines": 1, "view": "front", "x_mm": 80, "y_mm": 7, "rotation_deg": 0}]}}]})

    document: dict[str, Any]
    spec_hash: str | None = Field(default=None, max_length=64,
                                  description="the hash the client expects")


class SpecValidation(BaseModel):
    valid: bool
    spec_hash: str | None = None
    canonical_json: str | None = None
    errors: list[ErrorItem] = Field(default_factory=list)
