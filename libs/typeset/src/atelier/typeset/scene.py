"""The vector scene: filled outlines in millimetres, y down, origin at the top-left of the box
the text was laid out in (`Layout.scene`), or of the print box for a zone (`zone_scene`).

Every output is a serialization of a `Scene`: the preview PNG (`rasterize`), SVG (`Scene.svg`,
or `Path.svg_d` per path), DXF and PDF (closed `Path.polylines`, or the Bézier segments of
`Contour` for formats that keep curves). Paths are filled with the nonzero winding rule, as
TrueType and CFF outlines are meant to be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Point = tuple[float, float]
# An affine map (a, b, c, d, e, f), SVG's order: x' = a·x + c·y + e, y' = b·x + d·y + f. It maps
# a Bézier curve exactly by mapping its control points.
Affine = tuple[float, float, float, float, float, float]
# The points of one segment after the current point: 1 = line, 2 = quadratic, 3 = cubic Bézier.
Segment = tuple[Point, ...]


@dataclass(frozen=True)
class Contour:
    """A closed contour: a start point and segments back round to it (the closing line implied)."""

    start: Point
    segments: tuple[Segment, ...]

    def svg_d(self, precision: int = 3) -> str:
        commands = [f"M{_pair(self.start, precision)}"]
        for segment in self.segments:
            letter = "LQC"[len(segment) - 1]
            commands.append(letter + " ".join(_pair(point, precision) for point in segment))
        return "".join(commands) + "Z"

    def polyline(self, tolerance_mm: float) -> list[Point]:
        """Points of the contour flattened so that no curve strays more than tolerance_mm from
        its chords; closed (the last point joins the first, which is not repeated)."""
        points = [self.start]
        for segment in self.segments:
            points.extend(_flatten(points[-1], segment, tolerance_mm))
        if len(points) > 1 and points[-1] == points[0]:
            points.pop()
        return points

    def translated(self, dx_mm: float, dy_mm: float) -> Contour:
        """The same contour moved by (dx_mm, dy_mm): every point, control points included."""

        def move(point: Point) -> Point:
            return (point[0] + dx_mm, point[1] + dy_mm)

        return Contour(move(self.start), tuple(tuple(map(move, s)) for s in self.segments))

    def mapped(self, affine: Affine) -> Contour:
        """The same contour under an affine map (turned, scaled, moved), control points too."""

        def move(point: Point) -> Point:
            return apply(affine, point)

        return Contour(move(self.start), tuple(tuple(map(move, s)) for s in self.segments))


@dataclass(frozen=True)
class Path:
    """One filled shape (a glyph): its contours, holes included, and its colour (#rrggbb)."""

    contours: tuple[Contour, ...]
    colour: str

    def svg_d(self, precision: int = 3) -> str:
        """SVG path data: one M...Z subpath per contour, coordinates in mm."""
        return "".join(contour.svg_d(precision) for contour in self.contours)

    def polylines(self, tolerance_mm: float = 0.01) -> list[list[Point]]:
        if tolerance_mm <= 0:
            raise ValueError(f"tolerance_mm must be positive, got {tolerance_mm}")
        return [contour.polyline(tolerance_mm) for contour in self.contours]

    def translated(self, dx_mm: float, dy_mm: float) -> Path:
        """The same shape, in the same colour, moved by (dx_mm, dy_mm)."""
        return Path(tuple(c.translated(dx_mm, dy_mm) for c in self.contours), self.colour)

    def mapped(self, affine: Affine) -> Path:
        """The same shape, in the same colour, under an affine map."""
        return Path(tuple(c.mapped(affine) for c in self.contours), self.colour)


@dataclass(frozen=True)
class Scene:
    width_mm: float
    height_mm: float
    paths: tuple[Path, ...]

    def svg(self, precision: int = 3) -> str:
        """A standalone SVG document whose user unit is the millimetre."""
        w, h = _number(self.width_mm, precision), _number(self.height_mm, precision)
        body = "".join(
            f'<path d="{path.svg_d(precision)}" fill="{path.colour}" fill-rule="nonzero"/>'
            for path in self.paths
        )
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" '
            f'viewBox="0 0 {w} {h}">{body}</svg>'
        )


def apply(affine: Affine, point: Point) -> Point:
    a, b, c, d, e, f = affine
    return (a * point[0] + c * point[1] + e, b * point[0] + d * point[1] + f)


def _flatten(current: Point, segment: Segment, tolerance: float) -> list[Point]:
    """Uniform subdivision with a guaranteed bound: the chord error of a curve over a parameter
    step h is at most h²/8·max|B''|, which gives the number of steps for the tolerance."""
    if len(segment) == 1:
        return [segment[0]]
    control = (current, *segment)
    if len(segment) == 2:
        bend = _norm(_second_difference(*control))  # |B''| = 2·bend
        steps = math.ceil(math.sqrt(bend / (4 * tolerance)))
    else:
        bend = max(_norm(_second_difference(*control[:3])), _norm(_second_difference(*control[1:])))
        steps = math.ceil(math.sqrt(3 * bend / (4 * tolerance)))  # |B''| ≤ 6·bend
    steps = max(1, steps)
    return [_bezier(control, k / steps) for k in range(1, steps + 1)]


def _second_difference(a: Point, b: Point, c: Point) -> Point:
    return (a[0] - 2 * b[0] + c[0], a[1] - 2 * b[1] + c[1])


def _norm(vector: Point) -> float:
    return math.hypot(*vector)


def _bezier(control: tuple[Point, ...], t: float) -> Point:
    """De Casteljau evaluation; exact at t = 1 so contours close on their own points."""
    if t == 1:
        return control[-1]
    points = list(control)
    while len(points) > 1:
        points = [
            (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
            for a, b in zip(points, points[1:], strict=False)
        ]
    return points[0]


def _number(value: float, precision: int) -> str:
    text = f"{value:.{precision}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _pair(point: Point, precision: int) -> str:
    return f"{_number(point[0], precision)} {_number(point[1], precision)}"
