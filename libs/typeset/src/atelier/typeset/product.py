"""The design scene of a whole product (DESIGN §6): a spec becomes its views, each an artboard in
millimetres (y down) with its zones placed on it, and each zone's text as filled paths that
carry the zone's key, its layer and its colour, with the zone's trim box (the print box) and
bleed box as they lie on the artboard. Every output is drawn from it: the mockup on the
product's photo, thumbnails and zone textures, and the production files; the rules engine's fit
check lays text out with the same style (``zone_style``). Nothing else builds a text style from a
spec (an architecture test says so).

Placement: a zone's print box is laid out in its own coordinates (``zone_scene``: origin at its
top-left corner), then turned by ``rotation_deg`` about its centre (clockwise on the page) and
moved so that its centre is at (``x_mm``, ``y_mm``) on the view's artboard. A view with a photo
maps the artboard onto it (``to_photo``): a scale and offset, or the projective map that sends
the artboard's corners to the four photographed ones.

The fonts must be made ready first (``atelier.typeset.pinned.PinnedFonts.ensure``); a font the
engine does not know raises ``LookupError``. A version 1 spec is drawn in the shape
``atelier.contracts.spec.placed`` gives it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from atelier.contracts.spec import (
    DesignSpec,
    DesignSpecV1,
    PhotoRef,
    PlacedSpecZone,
    Placement,
    SpecView,
    SpecZone,
    StraightPlacement,
    placed,
)
from atelier.typeset import zone as zones
from atelier.typeset.pinned import engine_font_id
from atelier.typeset.scene import Affine, Path, Point, Scene, apply
from atelier.typeset.style import TextStyle
from atelier.typeset.zone import PrintBox

Quad = tuple[Point, Point, Point, Point]  # top-left, top-right, bottom-right, bottom-left
# A projective map, row-major 3×3: (x, y) → ((m0·x + m1·y + m2) / w, (m3·x + m4·y + m5) / w)
# with w = m6·x + m7·y + m8.
Projective = tuple[float, float, float, float, float, float, float, float, float]


@dataclass(frozen=True)
class ScenePath:
    """One filled glyph on the artboard, in millimetres, with what it belongs to."""

    path: Path  # its colour is the zone's
    zone: str
    layer: str  # engrave, cut, print


@dataclass(frozen=True)
class PlacedZone:
    key: str
    layer: str
    colour: str
    scene: Scene  # the zone's print box and its text, in the print box's own millimetres
    to_view: Affine  # print box → artboard
    trim: Quad  # the print box on the artboard
    bleed: Quad  # the print box grown by the bleed, on the artboard


@dataclass(frozen=True)
class ViewScene:
    key: str
    width_mm: float
    height_mm: float
    photo: PhotoRef | None
    placement: Placement | None
    zones: tuple[PlacedZone, ...]
    paths: tuple[ScenePath, ...]  # every zone's glyphs, zone after zone in the spec's order

    def scene(self) -> Scene:
        """The artboard with every zone's text on it, ready to draw."""
        return Scene(self.width_mm, self.height_mm, tuple(p.path for p in self.paths))

    def to_photo(self) -> Projective | None:
        """Artboard millimetres → photo pixels; None for a view without a photo."""
        if self.placement is None:
            return None
        if isinstance(self.placement, StraightPlacement):
            p = self.placement
            s = p.scale_px_per_mm
            return (s, 0.0, p.offset_x_px, 0.0, s, p.offset_y_px, 0.0, 0.0, 1.0)
        corners = [(c.x_px, c.y_px) for c in self.placement.corners]
        return _artboard_to_quad(self.width_mm, self.height_mm, corners)


@dataclass(frozen=True)
class ProductScene:
    spec: DesignSpec  # in the version 2 shape
    views: tuple[ViewScene, ...]

    def view(self, key: str) -> ViewScene:
        return next(view for view in self.views if view.key == key)


def zone_style(zone: SpecZone) -> TextStyle:
    """The text style of a zone: its pinned font, size, colour, alignment and line height. A
    zone has no vertical alignment: its block of lines is centred."""
    return TextStyle(
        font_id=engine_font_id(zone.font),
        size_mm=zone.size_mm,
        align=zone.align.value,
        valign="middle",
        line_height=zone.line_height,
        colour=zone.colour,
    )


def zone_box(zone: SpecZone) -> PrintBox:
    return PrintBox(zone.width_mm, zone.height_mm, zone.safe_mm)


def zone_scene(zone: SpecZone) -> Scene:
    """The zone's print box with its text laid out in the safe area at exactly the spec's size
    (the size was chosen when the design was validated; fitting again could disagree)."""
    return zones.zone_scene(zone.text, zone_style(zone), zone_box(zone), zone.max_lines)


def product_scene(spec: DesignSpecV1 | DesignSpec) -> ProductScene:
    """Every view of the spec with its zones placed. Raises LookupError for an unknown font."""
    spec = placed(spec)
    return ProductScene(spec, tuple(_view(view, spec.zones) for view in spec.views))


def _view(view: SpecView, all_zones: list[PlacedSpecZone]) -> ViewScene:
    placed_zones = tuple(_placed(zone) for zone in all_zones if zone.view == view.key)
    paths = tuple(
        ScenePath(path.mapped(zone.to_view), zone.key, zone.layer)
        for zone in placed_zones
        for path in zone.scene.paths
    )
    return ViewScene(view.key, view.width_mm, view.height_mm, view.photo, view.placement,
                     placed_zones, paths)


def _placed(zone: PlacedSpecZone) -> PlacedZone:
    to_view = zone_transform(zone)
    w, h, b = zone.width_mm, zone.height_mm, zone.bleed_mm

    def corners(left: float, top: float, right: float, bottom: float) -> Quad:
        return (apply(to_view, (left, top)), apply(to_view, (right, top)),
                apply(to_view, (right, bottom)), apply(to_view, (left, bottom)))

    return PlacedZone(
        key=zone.key, layer=zone.layer.value, colour=zone.colour, scene=zone_scene(zone),
        to_view=to_view, trim=corners(0, 0, w, h), bleed=corners(-b, -b, w + b, h + b),
    )


def zone_transform(zone: PlacedSpecZone) -> Affine:
    """Print box millimetres → artboard millimetres: turned about the box's centre, the centre
    put at (x_mm, y_mm)."""
    angle = math.radians(zone.rotation_deg)
    cos, sin = math.cos(angle), math.sin(angle)
    cx, cy = zone.width_mm / 2, zone.height_mm / 2
    # p' = R·(p - c) + (x, y); with y down, a positive angle turns clockwise on the page
    return (cos, sin, -sin, cos,
            zone.x_mm - (cos * cx - sin * cy), zone.y_mm - (sin * cx + cos * cy))


def _artboard_to_quad(width: float, height: float, quad: list[Point]) -> Projective:
    """The projective map sending the artboard's corners (0,0), (w,0), (w,h), (0,h) to ``quad``:
    Heckbert's square-to-quadrilateral map (1989) after scaling the artboard to the unit
    square."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad
    sx, sy = x0 - x1 + x2 - x3, y0 - y1 + y2 - y3
    if abs(sx) < 1e-12 and abs(sy) < 1e-12:  # a parallelogram: the map is affine
        g = h = 0.0
    else:
        dx1, dx2, dy1, dy2 = x1 - x2, x3 - x2, y1 - y2, y3 - y2
        det = dx1 * dy2 - dx2 * dy1
        g = (sx * dy2 - dx2 * sy) / det
        h = (dx1 * sy - sx * dy1) / det
    a, b, c = x1 - x0 + g * x1, x3 - x0 + h * x3, x0
    d, e, f = y1 - y0 + g * y1, y3 - y0 + h * y3, y0
    return (a / width, b / height, c, d / width, e / height, f, g / width, h / height, 1.0)


def project(matrix: Projective, point: Point) -> Point:
    """A point under a projective map."""
    m = matrix
    w = m[6] * point[0] + m[7] * point[1] + m[8]
    return ((m[0] * point[0] + m[1] * point[1] + m[2]) / w,
            (m[3] * point[0] + m[4] * point[1] + m[5]) / w)
