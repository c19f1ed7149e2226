"""The 2D preview of a design as a PNG: a rasterization of the typesetting scene (DESIGN §6).

One image per design: each zone's print box (the bleed is not drawn) as placed by
``atelier.typeset.zone_scene``, the scene the production files are drawn from too: its text laid
out in the safe area at exactly the spec's size — personalization already auto-fitted it, and
fitting again here could disagree with what the shopper was shown — with the spec's font,
colour, alignment, line height and line limit, and the block centred vertically.
Several zones are stacked with a gap, each centred horizontally. Deterministic: the same spec
gives the same bytes. The fonts must be made ready first (``fonts.PinnedFonts.ensure``).
"""

import io
from dataclasses import dataclass

from PIL import Image

from atelier import typeset
from atelier.contracts.spec import DesignSpec, SpecZone
from atelier.render.domain import Undrawable
from atelier.render.fonts import engine_font_id
from atelier.typeset import PrintBox, Scene, TextStyle, rasterize

PX_PER_MM = 10.0
MAX_SIDE_PX = 2000
GAP_MM = 2.0
BACKGROUND = "#ffffff"


@dataclass(frozen=True)
class Preview:
    png: bytes
    width_px: int
    height_px: int


def render_png(spec: DesignSpec) -> Preview:
    """Draw ``spec``; raises ``Undrawable`` when it cannot be drawn: a zone's font is not known
    to the engine, or drawing fails (a glyph that recurses, a path that cannot be filled).

    Drawing is a pure function of the spec and its fonts, so whatever makes it fail would make
    it fail again: it is the design's fault, never a transient one (memory aside)."""
    try:
        return _draw(spec)
    except (Undrawable, MemoryError):
        raise
    except Exception as exc:
        raise Undrawable(f"the design cannot be drawn: {type(exc).__name__}: {exc}") from exc


def _draw(spec: DesignSpec) -> Preview:
    scale = _scale(spec.zones)
    zones = [rasterize(zone_scene(zone), scale, BACKGROUND) for zone in spec.zones]
    gap = round(GAP_MM * scale)
    width = max(image.width for image in zones)
    height = sum(image.height for image in zones) + gap * (len(zones) - 1)
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    top = 0
    for image in zones:
        canvas.paste(image, ((width - image.width) // 2, top))
        top += image.height + gap
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return Preview(out.getvalue(), width, height)


def zone_scene(zone: SpecZone) -> Scene:
    """The zone's print box with its text laid out in the safe area (millimetres, y down)."""
    style = TextStyle(
        font_id=engine_font_id(zone.font),
        size_mm=zone.size_mm,
        align=zone.align.value,
        valign="middle",  # a zone has no vertical alignment: its block is centred
        line_height=zone.line_height,
        colour=zone.colour,
    )
    box = PrintBox(zone.width_mm, zone.height_mm, zone.safe_mm)
    try:
        return typeset.zone_scene(zone.text, style, box, zone.max_lines)
    except LookupError as exc:  # a brand font PinnedFonts.ensure did not load
        raise Undrawable(f"font {zone.font.id!r} is not loaded: {exc}") from None


def _scale(zones: list[SpecZone]) -> float:
    """Pixels per millimetre: PX_PER_MM, less when the stacked design would exceed MAX_SIDE_PX."""
    width_mm = max(zone.width_mm for zone in zones)
    height_mm = sum(zone.height_mm for zone in zones) + GAP_MM * (len(zones) - 1)
    return min(PX_PER_MM, MAX_SIDE_PX / max(width_mm, height_mm))
