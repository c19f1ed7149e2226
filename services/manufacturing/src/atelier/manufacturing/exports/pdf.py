"""PDF (reportlab) of a view for print: the page is the view's trim box (its artboard) grown by
its bleed, with TrimBox and BleedBox set; with crop marks the page (MediaBox) is wider still,
by ``MARKS_MM`` round the bleed, and the marks stand there, outside the bleed, on the lines of
the trim. Text is drawn as outlines (filled by the nonzero rule) in the colours as given, in RGB
or converted to CMYK when the profile asks; the cut layer as a red hairline. ``invariant``: a
fixed date and document id, so the same scene gives the same bytes.
"""

from __future__ import annotations

import io

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject

from atelier.contracts.manufacturing import ColourMode, OutputProfile
from atelier.contracts.spec import Layer
from atelier.manufacturing.exports import layers
from atelier.typeset.product import ViewScene
from atelier.typeset.scene import Path

MARKS_MM = 8.0  # room for the crop marks beyond the bleed
MARK_GAP_MM = 2.0  # between the bleed and a mark
MARK_WIDTH_PT = 0.25
FILL_NON_ZERO = 1  # reportlab's fillMode for the nonzero winding rule (canvas.FILL_NON_ZERO)


def serialize(view: ViewScene, profile: OutputProfile) -> bytes:
    bleed = layers.bleed_mm(view)
    margin = bleed + (MARKS_MM if profile.crop_marks else 0.0)
    w, h = view.width_mm, view.height_mm
    out = io.BytesIO()
    page = Canvas(out, pagesize=((w + 2 * margin) * mm, (h + 2 * margin) * mm), invariant=1,
                  pageCompression=1)
    page.setTitle(f"{view.key} {w:g} x {h:g} mm")
    page.setTrimBox(_box(margin, margin, w, h))
    page.setBleedBox(_box(margin - bleed, margin - bleed, w + 2 * bleed, h + 2 * bleed))
    if profile.crop_marks:
        _crop_marks(page, profile, margin, bleed, w, h)
    # from here on millimetres with y down, from the trim box's top-left corner
    page.translate(margin * mm, (margin + h) * mm)
    page.scale(mm, -mm)
    for layer, glyphs in layers.by_layer(view, profile):
        for glyph in glyphs:
            if layer is Layer.CUT:
                _colour(page, layers.CUT_COLOUR, profile, stroke=True)
                page.setLineWidth(layers.HAIRLINE_MM)
                page.drawPath(_outline(page, glyph.path), stroke=1, fill=0)
            else:
                _colour(page, glyph.path.colour, profile, stroke=False)
                page.drawPath(_outline(page, glyph.path), stroke=0, fill=1,
                              fillMode=FILL_NON_ZERO)
    page.showPage()
    page.save()
    return out.getvalue()


def _box(x_mm: float, y_mm: float, w_mm: float, h_mm: float) -> list[float]:
    return [x_mm * mm, y_mm * mm, (x_mm + w_mm) * mm, (y_mm + h_mm) * mm]


def _outline(page: Canvas, shape: Path) -> PDFPathObject:
    outline = page.beginPath()
    for contour in shape.contours:
        current = contour.start
        outline.moveTo(*current)
        for segment in contour.segments:
            if len(segment) == 1:
                outline.lineTo(*segment[0])
            elif len(segment) == 2:  # a quadratic as the cubic that is the same curve
                (qx, qy), end = segment
                (x0, y0), (x1, y1) = current, end
                outline.curveTo(x0 + 2 / 3 * (qx - x0), y0 + 2 / 3 * (qy - y0),
                                x1 + 2 / 3 * (qx - x1), y1 + 2 / 3 * (qy - y1), x1, y1)
            else:
                outline.curveTo(*segment[0], *segment[1], *segment[2])
            current = segment[-1]
        outline.close()
    return outline


def _colour(page: Canvas, hex_colour: str, profile: OutputProfile, stroke: bool) -> None:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    if profile.colour_mode is ColourMode.CMYK:
        cmyk = cmyk_of(r, g, b)
        (page.setStrokeColorCMYK if stroke else page.setFillColorCMYK)(*cmyk)
    else:
        (page.setStrokeColorRGB if stroke else page.setFillColorRGB)(r, g, b)


def cmyk_of(r: float, g: float, b: float) -> tuple[float, float, float, float]:
    """The naive device conversion (no ICC profile): black from the darkest channel, the rest
    as the inks that take away what remains. Pure black is 0, 0, 0, 1 (one ink, no registration
    trouble)."""
    k = 1 - max(r, g, b)
    if k >= 1:
        return (0.0, 0.0, 0.0, 1.0)
    return ((1 - r - k) / (1 - k), (1 - g - k) / (1 - k), (1 - b - k) / (1 - k), k)


def _crop_marks(page: Canvas, profile: OutputProfile, margin: float, bleed: float, w: float,
                h: float) -> None:
    """A pair of marks at each corner of the trim, on its lines, from beyond the bleed."""
    page.saveState()
    page.setLineWidth(MARK_WIDTH_PT)
    _colour(page, "#000000", profile, stroke=True)
    start, end = bleed + MARK_GAP_MM, margin
    for x in (margin, margin + w):
        for y, outward in ((margin, -1), (margin + h, 1)):
            page.line(x * mm, (y + outward * start) * mm, x * mm, (y + outward * end) * mm)
    for y in (margin, margin + h):
        for x, outward in ((margin, -1), (margin + w, 1)):
            page.line((x + outward * start) * mm, y * mm, (x + outward * end) * mm, y * mm)
    page.restoreState()
