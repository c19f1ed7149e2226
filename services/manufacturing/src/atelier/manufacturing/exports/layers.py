"""What every export draws of a view: its glyphs by layer, mirrored when the profile says, and
the colours each kind of file gives a layer.

Machine files (SVG, DXF) use the conventional colours of laser software: a red hairline for
cut, black fill for engrave, print in the colour given. Print files (PDF, PNG) show the colours
as given, as the shopper saw them; a cut line is stroked as a hairline in the PDF (the cutter's
contour) and not drawn in the PNG, which holds only what is printed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import groupby

from atelier.contracts.manufacturing import OutputProfile
from atelier.contracts.spec import Layer
from atelier.typeset.product import ScenePath, ViewScene
from atelier.typeset.scene import Affine

CUT_COLOUR = "#ff0000"
ENGRAVE_COLOUR = "#000000"
HAIRLINE_MM = 0.01
LAYER_ORDER = (Layer.PRINT, Layer.ENGRAVE, Layer.CUT)  # drawn bottom to top: cut last


def mirror(view: ViewScene) -> Affine:
    """Left to right about the view's centre."""
    return (-1.0, 0.0, 0.0, 1.0, view.width_mm, 0.0)


def paths(view: ViewScene, profile: OutputProfile) -> tuple[ScenePath, ...]:
    """The view's glyphs as the profile draws them (mirrored or not), in the scene's order."""
    if not profile.mirror:
        return view.paths
    flip = mirror(view)
    return tuple(ScenePath(p.path.mapped(flip), p.zone, p.layer) for p in view.paths)


def by_layer(view: ViewScene, profile: OutputProfile) -> Iterator[tuple[Layer, list[ScenePath]]]:
    """The layers that have glyphs, in ``LAYER_ORDER``, each with its glyphs in scene order."""
    drawn = paths(view, profile)
    for layer in LAYER_ORDER:
        glyphs = [p for p in drawn if p.layer == layer.value]
        if glyphs:
            yield layer, glyphs


def by_zone(glyphs: list[ScenePath]) -> Iterator[tuple[str, list[ScenePath]]]:
    for zone, run in groupby(glyphs, key=lambda p: p.zone):
        yield zone, list(run)


def machine_colour(layer: Layer, colour: str) -> str:
    return {Layer.CUT: CUT_COLOUR, Layer.ENGRAVE: ENGRAVE_COLOUR}.get(layer, colour)


def bleed_mm(view: ViewScene) -> float:
    """The largest bleed of the view's zones: the bleed of the view's page. (A zone's bleed box
    is its print box grown by its bleed on every side, so their corners are the bleed times √2
    apart, however the zone is turned.)"""
    return max((math.dist(zone.trim[0], zone.bleed[0]) / math.sqrt(2) for zone in view.zones),
               default=0.0)
