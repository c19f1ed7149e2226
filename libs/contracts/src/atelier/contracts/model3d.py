"""A product's 3D model, as a template and a design spec carry it: a parametric shape sized in
millimetres (a plate, a cylinder, a box), or a GLB the brand uploaded, pinned by content
(``models/<sha256>``, put there by the gateway once it had checked it) whose materials or meshes
are named after the zones they show.

Where the design goes on a parametric shape: each view's artboard is laid on the face its key
names (``faces``), centred on it, millimetre for millimetre; a cylinder has one face, ``front``,
around which the artboard is wrapped (centred on the side facing the viewer). When no view
names a face, the first view goes on ``front`` (``views_on_faces``). A view must fit on its face
(``unfit_views``).
"""

import math
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
Fraction = Annotated[Finite, Field(ge=0, le=1)]


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

FIT_MM = 1e-6  # a view as large as its face fits


def faces(shape: ParametricShape) -> dict[str, tuple[float, float]]:
    """The faces a view may lie on, each with the room it offers (width, height) in mm: a
    cylinder's ``front`` is its whole side, unrolled."""
    if isinstance(shape, CylinderShape):
        return {"front": (math.pi * shape.diameter_mm, shape.height_mm)}
    if isinstance(shape, PlateShape):
        return {"front": (shape.width_mm, shape.height_mm),
                "back": (shape.width_mm, shape.height_mm)}
    w, h, d = shape.width_mm, shape.height_mm, shape.depth_mm
    return {"front": (w, h), "back": (w, h), "left": (d, h), "right": (d, h), "top": (w, d),
            "bottom": (w, d)}


def views_on_faces(shape: ParametricShape, view_keys: list[str]) -> dict[str, str]:
    """Face → the key of the view on it: each view on the face its key names; when none does,
    the first view on ``front``."""
    named = {key: key for key in view_keys if key in faces(shape)}
    return named or ({"front": view_keys[0]} if view_keys else {})


def unfit_views(shape: ParametricShape, views: list[tuple[str, float, float]]) -> list[str]:
    """Why each view (key, width, height in mm) that does not fit on its face does not."""
    sizes = {key: (width, height) for key, width, height in views}
    room = faces(shape)
    problems = []
    for face, key in views_on_faces(shape, [key for key, _, _ in views]).items():
        (width, height), (fw, fh) = sizes[key], room[face]
        if width > fw + FIT_MM or height > fh + FIT_MM:
            where = "the cylinder's side" if shape.kind == "cylinder" else f"the {face} face"
            problems.append(f"the view {key!r} ({width:g} × {height:g} mm) does not fit on "
                            f"{where} ({fw:g} × {fh:g} mm)")
    return problems
