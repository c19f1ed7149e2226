"""SVG (svgwrite): the view at true size, width and height in millimetres with a matching
viewBox (one user unit = 1 mm), text as paths, one group per layer (``layer-cut`` …) in the
conventional colours, each path's id naming its zone, layer and glyph (``name-engrave-3``)."""

from __future__ import annotations

import svgwrite

from atelier.contracts.manufacturing import OutputProfile
from atelier.contracts.spec import Layer
from atelier.manufacturing.exports import layers
from atelier.typeset.product import ViewScene

PRECISION = 4  # decimals of a millimetre: 0.1 µm


def serialize(view: ViewScene, profile: OutputProfile) -> bytes:
    w, h = _number(view.width_mm), _number(view.height_mm)
    drawing = svgwrite.Drawing(size=(f"{w}mm", f"{h}mm"), viewBox=f"0 0 {w} {h}",
                               profile="full", debug=False)
    for layer, glyphs in layers.by_layer(view, profile):
        group = drawing.g(id=f"layer-{layer.value}")
        for zone, run in layers.by_zone(glyphs):
            for index, glyph in enumerate(run):
                group.add(drawing.path(d=glyph.path.svg_d(PRECISION),
                                       id=f"{zone}-{layer.value}-{index}",
                                       **_style(layer, glyph.path.colour)))
        drawing.add(group)
    return drawing.tostring().encode()


def _style(layer: Layer, colour: str) -> dict[str, str]:
    if layer is Layer.CUT:
        return {"fill": "none", "stroke": layers.CUT_COLOUR,
                "stroke_width": _number(layers.HAIRLINE_MM)}
    return {"fill": layers.machine_colour(layer, colour), "fill_rule": "nonzero"}


def _number(value: float) -> str:
    return f"{value:.{PRECISION}f}".rstrip("0").rstrip(".")
