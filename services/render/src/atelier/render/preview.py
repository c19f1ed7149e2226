"""The 2D preview of a design as a PNG, drawn with Pillow.

One image per design: each zone at its proportions, its text in its font and colour at the
largest size that fits, centred on white; several zones are stacked with a gap. Pure apart from
reading the font files, and deterministic (same spec, same bytes). A later issue replaces this
module with a rasterization of the shared HarfBuzz scene, so everything Pillow-specific stays here.
"""

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from atelier.contracts.spec import DesignSpec, SpecZone
from atelier.render.domain import Undrawable
from atelier.typeset.fonts import shipped_font

PX_PER_MM = 10.0
MAX_SIDE_PX = 2000
GAP_MM = 2.0
# Text keeps this share of the zone's shorter side free on every edge, so glyphs never touch
# the border of the engraving or print area.
INSET = 0.05
BACKGROUND = "#FFFFFF"


@dataclass(frozen=True)
class Preview:
    png: bytes
    width_px: int
    height_px: int


def render_png(spec: DesignSpec) -> Preview:
    """Draw ``spec``; raises ``Undrawable`` when a zone names a font that does not exist."""
    fonts = {font_id: _font_file(font_id) for font_id in {zone.font for zone in spec.zones}}
    scale = _scale(spec.zones)
    boxes = [(_px(zone.width_mm, scale), _px(zone.height_mm, scale)) for zone in spec.zones]
    gap = round(GAP_MM * scale)
    width = max(w for w, _ in boxes)
    height = sum(h for _, h in boxes) + gap * (len(boxes) - 1)
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    top = 0
    for zone, (w, h) in zip(spec.zones, boxes, strict=True):
        _draw_zone(draw, zone, fonts[zone.font], ((width - w) // 2, top, w, h))
        top += h + gap
    out = io.BytesIO()
    image.save(out, format="PNG")
    return Preview(out.getvalue(), width, height)


def fit_font_size(font_file: bytes, text: str, width_px: int, height_px: int) -> int:
    """The largest size (px, at least 1) at which the ink of ``text`` fits the box."""
    lo, hi = 1, 4 * max(width_px, height_px)  # far past any size whose ink fills the box
    while lo < hi:
        size = (lo + hi + 1) // 2
        if _fits(_font(font_file, size), text, width_px, height_px):
            lo = size
        else:
            hi = size - 1
    return lo


def _fits(font: ImageFont.FreeTypeFont, text: str, width_px: int, height_px: int) -> bool:
    # The layout box is cheap (nothing rasterized): it rejects sizes far too large before the
    # exact ink is measured, and so bounds the scratch image that measuring draws on.
    left, top, right, bottom = _layout_box(font, text)
    if bottom - top > height_px or right - left > 2 * width_px:
        return False
    ink = _ink_box(font, text)
    return ink is None or (ink[2] - ink[0] <= width_px and ink[3] - ink[1] <= height_px)


def _draw_zone(
    draw: ImageDraw.ImageDraw, zone: SpecZone, font_file: bytes, box: tuple[int, int, int, int]
) -> None:
    x, y, w, h = box
    inset = round(min(w, h) * INSET)
    font = _font(font_file, fit_font_size(font_file, zone.text, w - 2 * inset, h - 2 * inset))
    ink = _ink_box(font, zone.text)
    if ink is None:
        return  # nothing to ink (blank text); the zone stays white
    left, top, right, bottom = ink
    # place the ink (not the pen origin) in the centre of the zone
    origin = (x + (w - (right - left)) // 2 - left, y + (h - (bottom - top)) // 2 - top)
    draw.text(origin, zone.text, font=font, fill=zone.colour, align="center")


def _layout_box(font: ImageFont.FreeTypeFont, text: str) -> tuple[float, float, float, float]:
    """The box Pillow lays ``text`` out in (several lines too); it spans glyph advances."""
    return ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), text, font=font, align="center")


def _ink_box(font: ImageFont.FreeTypeFont, text: str) -> tuple[int, int, int, int] | None:
    """Where the pixels of ``text`` fall from the pen origin, or None when it inks nothing.

    Found by drawing the text exactly as its zone will, on a scratch image: the layout box spans
    advances, so side bearings would shift the centring and loosen the fit.
    """
    left, top, right, bottom = (round(v) for v in _layout_box(font, text))
    pad = font.size // 2 + 1  # room for ink overhanging the layout box (bearings, accents)
    scratch = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad))
    dx, dy = pad - left, pad - top
    ImageDraw.Draw(scratch).text((dx, dy), text, font=font, fill=255, align="center")
    box = scratch.getbbox()
    if box is None:
        return None
    return box[0] - dx, box[1] - dy, box[2] - dx, box[3] - dy


def _scale(zones: list[SpecZone]) -> float:
    """Pixels per millimetre: PX_PER_MM, less when the stacked design would exceed MAX_SIDE_PX."""
    width_mm = max(zone.width_mm for zone in zones)
    height_mm = sum(zone.height_mm for zone in zones) + GAP_MM * (len(zones) - 1)
    return min(PX_PER_MM, MAX_SIDE_PX / max(width_mm, height_mm))


def _px(mm: float, scale: float) -> int:
    return max(1, round(mm * scale))


def _font_file(font_id: str) -> bytes:
    try:
        return shipped_font(font_id).path.read_bytes()
    except LookupError as exc:
        raise Undrawable(str(exc)) from None


def _font(font_file: bytes, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(io.BytesIO(font_file), size)
