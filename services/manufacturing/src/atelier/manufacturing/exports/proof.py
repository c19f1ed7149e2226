"""The proof: one A4 page a person reads before production, with each view's mockup (the scene
drawn on white, as the shopper saw it) and the measurements of every zone."""

from __future__ import annotations

import io

from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from atelier.contracts.manufacturing import OutputProfile
from atelier.typeset.fonts import SHIPPED
from atelier.typeset.product import ProductScene
from atelier.typeset.raster import rasterize

MOCKUP_PX_PER_MM = 6.0
MAX_MOCKUP_PX = 1200
MARGIN_MM = 15.0
LINE_MM = 4.5
TEXT_SHARE = 0.6
JPEG_QUALITY = 90  # the mockup goes in as JPEG, as it is (no second encoding in the PDF)
FONT = "dejavu-sans"  # a shopper's text in any script the platform ships a font for


def _jpeg(image: Image.Image) -> io.BytesIO:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
    out.seek(0)
    return out


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(SHIPPED[FONT].path)))
    return FONT


def serialize(scene: ProductScene, profile: OutputProfile, title: str) -> bytes:
    out = io.BytesIO()
    page = Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    page.setTitle(title)
    width, height = A4[0] / mm, A4[1] / mm
    y = height - MARGIN_MM  # millimetres from the bottom, going down the page
    page.setFont(_font(), 14)
    page.drawString(MARGIN_MM * mm, y * mm, title)
    y -= 2 * LINE_MM
    page.setFont(_font(), 9)
    page.drawString(MARGIN_MM * mm, y * mm, f"profile {profile.name}: {', '.join(profile.formats)}"
                    f", {profile.dpi} dpi, {profile.colour_mode.value}"
                    f"{', mirrored' if profile.mirror else ''}"
                    f"{', crop marks' if profile.crop_marks else ''}")
    y -= 2 * LINE_MM
    spec_zones = {zone.key: zone for zone in scene.spec.zones}
    # every view: its title, its mockup, a line per zone and a gap; when they crowd the page
    # (ten views, many zones) the lines shrink so that the text takes at most 60 % of it
    lines = sum(3 + len(view.zones) for view in scene.views)
    room = y - MARGIN_MM
    line = min(LINE_MM, TEXT_SHARE * room / lines)
    image_room = (room - lines * line) / len(scene.views)
    for view in scene.views:
        scale = min(MOCKUP_PX_PER_MM, MAX_MOCKUP_PX / max(view.width_mm, view.height_mm))
        image = ImageReader(_jpeg(rasterize(view.scene(), scale)))
        fit = min((width - 2 * MARGIN_MM) / view.width_mm, image_room / view.height_mm, 1.0)
        shown_w, shown_h = view.width_mm * fit, view.height_mm * fit
        page.setFont(_font(), 10 * line / LINE_MM)
        page.drawString(MARGIN_MM * mm, y * mm,
                        f"view {view.key}: {view.width_mm:g} x {view.height_mm:g} mm"
                        f" (shown at {fit:.0%})")
        y -= line + shown_h
        page.drawImage(image, MARGIN_MM * mm, y * mm, shown_w * mm, shown_h * mm)
        page.rect(MARGIN_MM * mm, y * mm, shown_w * mm, shown_h * mm, stroke=1, fill=0)
        y -= line
        page.setFont(_font(), 8 * line / LINE_MM)
        for placed in view.zones:
            zone = spec_zones[placed.key]
            page.drawString(MARGIN_MM * mm, y * mm, (
                f"{zone.key} ({zone.layer.value}): \"{zone.text}\" in {zone.font.id} "
                f"{zone.size_mm:g} mm, {zone.colour}; box {zone.width_mm:g} x {zone.height_mm:g}"
                f" mm at ({zone.x_mm:g}, {zone.y_mm:g}) mm, turned {zone.rotation_deg:g} deg,"
                f" bleed {zone.bleed_mm:g} mm"))
            y -= line
        y -= line
    page.showPage()
    page.save()
    return out.getvalue()
