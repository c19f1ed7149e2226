"""A product's 3D model, as a template and a design spec carry it: a parametric shape sized in
millimetres (a plate, a cylinder, a box), or a GLB the brand uploaded, pinned by content
(``models/<sha256>``, put there by the gateway once it had checked it) whose materials or meshes
are named after the zones they show.

Where the design goes on a parametric shape: each view's artboard is laid on the face its key
names (``FACES``), centred on it, millimetre for millimetre; a cylinder has one face, ``front``,
around which the artboard is wrapped (centred on the side facing the viewer). When no view
names a face, the first view goes on ``front``.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from atelier.contracts.types import Finite

SHA256_HEX = r"^[0-9a-f]{64}$"
HEX_COLOUR = r"^#[0-9A-Fa-f]{6}$"
MODEL_OBJECTS = "models/"
MAX_SHAPE_MM = 2000  # a product, not a building
# An uploaded GLB's limits: what AR viewers take (Quick Look and Scene Viewer budgets), with room
# for the design's textures
MAX_MODEL_BYTES = 8 * 1024 * 1024
MAX_MODEL_TRIANGLES = 90_000
MAX_TEXTURE_PX = 2048

ShapeMm = Annotated[Finite, Field(gt=0, le=MAX_SHAPE_MM)]
# a fraction: strict, so that JSON's false is not taken for 0
Fraction = Annotated[Finite, Field(strict=True, ge=0, le=1)]


def model_object_key(sha256: str) -> str:
    """Where an uploaded GLB's bytes are stored: content-addressed, like fonts and photos."""
    return f"{MODEL_OBJECTS}{sha256}"


class Finish(BaseModel):
    """The product's material where nothing is drawn (PBR metallic-roughness)."""

    model_config = ConfigDict(extra="forbid")

    colour: str = Field(default="#FFFFFF", pattern=HEX_COLOUR)
    metallic: Fraction = 0.0
    roughness: Fraction = 0.5


class PlateShape(BaseModel):
    """A flat plate standing upright (tags, signs, boards): faces ``front`` and ``back``."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["plate"]
    width_mm: ShapeMm
    height_mm: ShapeMm
    thickness_mm: ShapeMm = 3.0
    finish: Finish = Field(default_factory=Finish)


class CylinderShape(BaseModel):
    """An upright cylinder (mugs, tumblers, pens): the ``front`` view wrapped around its side."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["cylinder"]
    diameter_mm: ShapeMm
    height_mm: ShapeMm
    finish: Finish = Field(default_factory=Finish)


class BoxShape(BaseModel):
    """A box (cases, lids): faces ``front``, ``back``, ``left``, ``right``, ``top``,
    ``bottom``."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["box"]
    width_mm: ShapeMm
    height_mm: ShapeMm
    depth_mm: ShapeMm
    finish: Finish = Field(default_factory=Finish)


class UploadedModel(BaseModel):
    """A GLB the brand uploaded: each zone is drawn on the UV region of the primitives whose
    material (or, failing that, mesh) is named after the zone's key."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["glb"]
    sha256: str = Field(pattern=SHA256_HEX)
    size_bytes: int = Field(ge=1, le=MAX_MODEL_BYTES)


ParametricShape = PlateShape | CylinderShape | BoxShape
ProductModel = Annotated[PlateShape | CylinderShape | BoxShape | UploadedModel,
                         Field(discriminator="kind")]
PRODUCT_MODEL: TypeAdapter[PlateShape | CylinderShape | BoxShape | UploadedModel] = \
    TypeAdapter(ProductModel)

FACES: dict[str, tuple[str, ...]] = {
    "plate": ("front", "back"),
    "cylinder": ("front",),
    "box": ("front", "back", "left", "right", "top", "bottom"),
}
