"""The 3D model of a personalized product, as the GLB and USDZ serializers take it: parts
(triangle meshes in metres, Y up, the product standing on y = 0, facing +Z) each with one PBR
material. Pure: a function of the design scene and the product's model.

On a parametric shape (``atelier.contracts.model3d``) each view's artboard lies on the face its
key names, millimetre for millimetre, centred; a cylinder's ``front`` is wrapped around its side,
centred on +Z. The artboard is one textured part; the rest of the shape is the ``body`` in the
product's finish. The texture is the view's scene rasterized at ``TEXTURE_PX_PER_MM`` (less when
its longest side would pass ``MAX_TEXTURE_PX``), transparent where nothing is drawn, composited
over the finish's colour: where the 2D mockup is drawn on white, a white product's texture has
the mockup's very pixels. Engraving is a material, not only a colour: where a zone on the
engrave layer is drawn, the metallic-roughness texture makes the surface rough and not metallic.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from atelier.contracts.model3d import (
    FIT_MM,
    MAX_TEXTURE_PX,
    BoxShape,
    CylinderShape,
    Finish,
    ParametricShape,
    PlateShape,
    unfit_views,
    views_on_faces,
)
from atelier.contracts.spec import Layer
from atelier.render.domain import Undrawable
from atelier.typeset import rasterize
from atelier.typeset.product import ProductScene, ViewScene
from atelier.typeset.scene import Scene

TEXTURE_PX_PER_MM = 10.0  # the 2D mockup's resolution on white: the same pixels
ENGRAVED_ROUGHNESS = 0.9
SEGMENTS = 96  # around a whole cylinder
MM = 1e-3  # metres

Vec = tuple[float, float, float]
Floats = NDArray[np.float32]


@dataclass(frozen=True)
class Material:
    name: str
    colour: str  # #rrggbb, sRGB; multiplies the texture
    metallic: float
    roughness: float
    texture: bytes | None = None  # PNG, sRGB, opaque
    metallic_roughness: bytes | None = None  # PNG: green roughness, blue metallic (glTF's)
    texture_px: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class Part:
    name: str
    positions: Floats  # (n, 3) metres
    normals: Floats  # (n, 3) unit
    uvs: Floats | None  # (n, 2), v down from the texture's top row (glTF's)
    triangles: NDArray[np.uint32]  # (m, 3), counter-clockwise seen from outside
    material: Material


@dataclass(frozen=True)
class Model3D:
    name: str
    parts: tuple[Part, ...]

    @property
    def triangle_count(self) -> int:
        return sum(len(part.triangles) for part in self.parts)


# --- textures ------------------------------------------------------------------------------------

def texture_px_per_mm(width_mm: float, height_mm: float) -> float:
    return min(TEXTURE_PX_PER_MM, MAX_TEXTURE_PX / max(width_mm, height_mm))


PNG_COMPRESSION = 1  # zlib's fastest: a third of the default's time, for some 20 % more bytes


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=PNG_COMPRESSION)
    return out.getvalue()


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def textured_material(name: str, scene: Scene, engraved: Scene, finish: Finish) -> Material:
    """``scene`` drawn over the finish's colour; where ``engraved`` (its engrave-layer paths)
    is drawn, rough and not metallic."""
    px = texture_px_per_mm(scene.width_mm, scene.height_mm)
    drawn = rasterize(scene, px, background=None)
    base = Image.new("RGBA", drawn.size, (*_rgb(finish.colour), 255))
    texture = Image.alpha_composite(base, drawn).convert("RGB")
    metallic_roughness = None
    if engraved.paths:
        # everything engraved (the usual case): the drawn scene's coverage is the engraving's
        coverage = drawn if engraved.paths == scene.paths else rasterize(engraved, px, None)
        ink = np.asarray(coverage.getchannel("A"), dtype=np.float32) / 255
        rough = finish.roughness + (ENGRAVED_ROUGHNESS - finish.roughness) * ink
        metal = finish.metallic * (1 - ink)
        channels = [np.full(ink.shape, 255, np.uint8), np.rint(rough * 255).astype(np.uint8),
                    np.rint(metal * 255).astype(np.uint8)]
        metallic_roughness = _png(Image.fromarray(np.dstack(channels), "RGB"))
    # the factors multiply the texture: white and ones let it through as drawn
    return Material(name, "#FFFFFF", 1.0 if metallic_roughness else finish.metallic,
                    1.0 if metallic_roughness else finish.roughness, _png(texture),
                    metallic_roughness, drawn.size)


def _view_material(view: ViewScene, finish: Finish) -> Material:
    engraved = tuple(p.path for p in view.paths if p.layer == Layer.ENGRAVE)
    return textured_material(f"view_{view.key}", view.scene(),
                             Scene(view.width_mm, view.height_mm, engraved), finish)


def body_material(finish: Finish) -> Material:
    return Material("body", finish.colour, finish.metallic, finish.roughness)


# --- geometry ------------------------------------------------------------------------------------

@dataclass
class _Mesh:
    positions: list[Vec]
    normals: list[Vec]
    uvs: list[tuple[float, float]]
    triangles: list[tuple[int, int, int]]

    @classmethod
    def empty(cls) -> _Mesh:
        return cls([], [], [], [])

    def grid(self, at: Callable[[float, float], tuple[Vec, Vec]], cols: int, rows: int,
             uv: tuple[float, float, float, float] = (0, 0, 1, 1)) -> None:
        """A patch of ``cols`` × ``rows`` cells: ``at(s, t)`` gives the point and normal at s
        (0 → 1 to the right seen from outside) and t (0 → 1 upwards); ``uv`` the texture
        rectangle (left, top, right, bottom) the patch shows."""
        first = len(self.positions)
        for j in range(rows + 1):
            for i in range(cols + 1):
                s, t = i / cols, j / rows
                point, normal = at(s, t)
                self.positions.append(point)
                self.normals.append(normal)
                self.uvs.append((uv[0] + (uv[2] - uv[0]) * s, uv[3] + (uv[1] - uv[3]) * t))
        for j in range(rows):
            for i in range(cols):
                a = first + j * (cols + 1) + i
                b, c, d = a + 1, a + cols + 2, a + cols + 1
                self.triangles += [(a, b, c), (a, c, d)]

    def part(self, name: str, material: Material, textured: bool) -> Part:
        return Part(
            name, np.asarray(self.positions, np.float32) * MM,
            np.asarray(self.normals, np.float32),
            np.asarray(self.uvs, np.float32) if textured else None,
            np.asarray(self.triangles, np.uint32), material)


@dataclass(frozen=True)
class _Face:
    """A flat rectangle of the shape: its centre, the directions to its right and up seen from
    outside (unit), and its size, in millimetres."""

    centre: Vec
    right: Vec
    up: Vec
    width: float
    height: float

    def at(self, left: float, bottom: float, width: float, height: float
           ) -> Callable[[float, float], tuple[Vec, Vec]]:
        normal = _cross(self.right, self.up)

        def point(s: float, t: float) -> tuple[Vec, Vec]:
            x, y = left + width * s, bottom + height * t
            return (tuple(c + x * r + y * u for c, r, u in zip(  # type: ignore[return-value]
                self.centre, self.right, self.up, strict=True)), normal)
        return point


def _cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _flat_face(face: _Face, view: ViewScene | None, body: _Mesh, art: _Mesh) -> None:
    """The face, with the view's artboard centred on it (into ``art``) and the frame around it
    (into ``body``)."""
    fw, fh = face.width, face.height
    if view is None:
        body.grid(face.at(-fw / 2, -fh / 2, fw, fh), 1, 1)
        return
    aw, ah = view.width_mm, view.height_mm
    art.grid(face.at(-aw / 2, -ah / 2, aw, ah), 1, 1)
    frame = [(-fw / 2, -fh / 2, fw, (fh - ah) / 2), (-fw / 2, ah / 2, fw, (fh - ah) / 2),
             (-fw / 2, -ah / 2, (fw - aw) / 2, ah), (aw / 2, -ah / 2, (fw - aw) / 2, ah)]
    for left, bottom, width, height in frame:
        if width > FIT_MM and height > FIT_MM:
            body.grid(face.at(left, bottom, width, height), 1, 1)


def _faces(shape: PlateShape | BoxShape) -> dict[str, _Face]:
    x, y, z = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
    minus = {"x": (-1.0, 0.0, 0.0), "z": (0.0, 0.0, -1.0)}
    if isinstance(shape, PlateShape):
        w, h, d = shape.width_mm, shape.height_mm, shape.thickness_mm
    else:
        w, h, d = shape.width_mm, shape.height_mm, shape.depth_mm
    return {
        "front": _Face((0, h / 2, d / 2), x, y, w, h),
        "back": _Face((0, h / 2, -d / 2), minus["x"], y, w, h),
        "left": _Face((-w / 2, h / 2, 0), z, y, d, h),
        "right": _Face((w / 2, h / 2, 0), minus["z"], y, d, h),
        "top": _Face((0, h, 0), x, minus["z"], w, d),
        "bottom": _Face((0, 0, 0), x, z, w, d),
    }


def _cylinder(shape: CylinderShape, view: ViewScene | None, body: _Mesh, art: _Mesh) -> None:
    r, h = shape.diameter_mm / 2, shape.height_mm

    def side(a0: float, a1: float, y0: float, y1: float) -> Callable[[float, float],
                                                                      tuple[Vec, Vec]]:
        def point(s: float, t: float) -> tuple[Vec, Vec]:
            angle = a0 + (a1 - a0) * s  # from +Z towards +X: to the right seen from the front
            normal = (math.sin(angle), 0.0, math.cos(angle))
            return (r * normal[0], y0 + (y1 - y0) * t, r * normal[2]), normal
        return point

    def segments(angle: float) -> int:
        return max(1, math.ceil(SEGMENTS * angle / (2 * math.pi) - 1e-9))

    for y_cap, up in ((h, 1.0), (0.0, -1.0)):  # the caps: fans around their centre
        centre = len(body.positions)
        body.positions.append((0.0, y_cap, 0.0))
        body.normals.append((0.0, up, 0.0))
        body.uvs.append((0.0, 0.0))
        for k in range(SEGMENTS):
            angle = 2 * math.pi * k / SEGMENTS
            body.positions.append((r * math.sin(angle), y_cap, r * math.cos(angle)))
            body.normals.append((0.0, up, 0.0))
            body.uvs.append((0.0, 0.0))
        for k in range(SEGMENTS):
            a, b = centre + 1 + k, centre + 1 + (k + 1) % SEGMENTS
            body.triangles.append((centre, a, b) if up > 0 else (centre, b, a))
    if view is None:
        body.grid(side(-math.pi, math.pi, 0, h), SEGMENTS, 1)
        return
    half = view.width_mm / (2 * r)  # the artboard's half width as an angle
    y0, y1 = (h - view.height_mm) / 2, (h + view.height_mm) / 2
    art.grid(side(-half, half, y0, y1), segments(2 * half), 1)
    if 2 * half < 2 * math.pi - 1e-9:
        body.grid(side(half, 2 * math.pi - half, y0, y1), segments(2 * math.pi - 2 * half), 1)
    for bottom, top in ((0.0, y0), (y1, h)):
        if top - bottom > FIT_MM:
            body.grid(side(-math.pi, math.pi, bottom, top), SEGMENTS, 1)


def parametric_model(scene: ProductScene, shape: ParametricShape) -> Model3D:
    """The shape with the design on it. Raises ``Undrawable`` when a view is larger than its
    face."""
    unfit = unfit_views(shape, [(v.key, v.width_mm, v.height_mm) for v in scene.views])
    if unfit:
        raise Undrawable("; ".join(unfit))
    views = {face: scene.view(key) for face, key in
             views_on_faces(shape, [view.key for view in scene.views]).items()}
    body = _Mesh.empty()
    parts: list[Part] = []
    if isinstance(shape, CylinderShape):
        art = _Mesh.empty()
        _cylinder(shape, views.get("front"), body, art)
        if art.triangles:
            parts.append(art.part("view_front", _view_material(views["front"], shape.finish),
                                  textured=True))
    else:
        for key, face in _faces(shape).items():
            art = _Mesh.empty()
            _flat_face(face, views.get(key), body, art)
            if art.triangles:
                parts.append(art.part(f"view_{key}", _view_material(views[key], shape.finish),
                                      textured=True))
    parts.insert(0, body.part("body", body_material(shape.finish), textured=False))
    return Model3D(str(scene.spec.product_id), tuple(parts))
