"""DXF (ezdxf): the view in millimetres ($INSUNITS = 4), y up as CAD has it, every glyph's
contours as closed polylines flattened within the profile's curve tolerance (holes are loops of
their own), one layer per operation (``CUT`` red, ``ENGRAVE`` black-on-white, ``PRINT``).

The cut layer is united first (skia-pathops): where glyphs overlap (a script font's joined
letters, two zones touching) the laser follows the outline of the ink, never a line inside it.
Fixed header handles, no timestamps: the same scene gives the same bytes.
"""

from __future__ import annotations

import io

import ezdxf
import pathops
from ezdxf import units
from ezdxf.document import Drawing

from atelier.contracts.manufacturing import OutputProfile
from atelier.contracts.spec import Layer
from atelier.manufacturing.exports import layers
from atelier.typeset.product import ViewScene
from atelier.typeset.scene import Contour, Path, Point, Segment

ACI = {Layer.CUT: 1, Layer.ENGRAVE: 7, Layer.PRINT: 5}  # AutoCAD colour index: red, white, blue


def serialize(view: ViewScene, profile: OutputProfile) -> bytes:
    doc = _document()
    msp = doc.modelspace()
    for layer, glyphs in layers.by_layer(view, profile):
        name = layer.value.upper()
        doc.layers.add(name, color=ACI[layer])
        shapes = [g.path for g in glyphs]
        if layer is Layer.CUT:
            shapes = [united(shapes)]
        for shape in shapes:
            for outline in shape.polylines(profile.tolerance_mm):
                # CAD's y goes up: the artboard's top edge is at y = height
                points = [(x, view.height_mm - y) for x, y in outline]
                msp.add_lwpolyline(points, close=True, dxfattribs={"layer": name})
    out = io.StringIO()
    doc.write(out)
    return out.getvalue().encode()


def _document() -> Drawing:
    # no clock and no random ids in what ezdxf writes (dates, GUIDs, its marker): ezdxf's own
    # option for it, process-wide, which is what this service wants of every DXF it writes
    ezdxf.options.write_fixed_meta_data_for_testing = True
    # R2000 (AC1015), which every CAM program reads: ezdxf lists its classes in a fixed order,
    # where for later versions it adds some from a set, whose order changes from process to
    # process (string hashing)
    doc = ezdxf.new("R2000", setup=False)
    doc.units = units.MM
    doc.header["$MEASUREMENT"] = 1  # metric
    return doc


def united(shapes: list[Path]) -> Path:
    """One shape whose contours outline the union of ``shapes`` filled by the nonzero rule: no
    two of its contours cross, a hole is a contour of its own."""
    pens = []
    for shape in shapes:
        outline = pathops.Path(fillType=pathops.FillType.WINDING)
        for contour in shape.contours:
            outline.moveTo(*contour.start)
            for segment in contour.segments:
                if len(segment) == 1:
                    outline.lineTo(*segment[0])
                elif len(segment) == 2:
                    outline.quadTo(*segment[0], *segment[1])
                else:
                    outline.cubicTo(*segment[0], *segment[1], *segment[2])
            outline.close()
        pens.append(outline)
    result = pathops.Path()
    pathops.union(pens, result.getPen())
    return Path(tuple(_contours(result)), shapes[0].colour if shapes else layers.CUT_COLOUR)


def _contours(path: pathops.Path) -> list[Contour]:
    """A pathops path's contours back as the scene's (curves kept)."""
    contours: list[Contour] = []
    start: Point | None = None
    segments: list[Segment] = []
    for verb, points in path.segments:
        if verb == "moveTo":
            start, segments = points[0], []
        elif verb == "lineTo":
            segments.append((points[0],))
        elif verb == "qCurveTo":
            segments.extend(_quads(points))
        elif verb == "curveTo":
            segments.append(tuple(points))
        elif verb in ("closePath", "endPath") and start is not None:
            contours.append(Contour(start, tuple(segments)))
            start = None
    return contours


def _quads(points: tuple[Point, ...]) -> list[Segment]:
    """A TrueType-style run of off-curve points (implied on-curve points between them) ending
    on an on-curve point, as quadratic segments."""
    *offs, end = points
    quads: list[Segment] = []
    for i, off in enumerate(offs):
        nxt = offs[i + 1] if i + 1 < len(offs) else None
        on = end if nxt is None else ((off[0] + nxt[0]) / 2, (off[1] + nxt[1]) / 2)
        quads.append((off, on))
    return quads
