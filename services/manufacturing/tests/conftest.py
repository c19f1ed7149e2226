"""Builders of the manufacturing service's inputs: designs with known geometry, and profiles."""

from atelier.contracts.manufacturing import OutputProfile
from atelier.contracts.spec import Align, DesignSpec, FontRef, Layer, PlacedSpecZone, SpecView
from atelier.typeset.fonts import shipped_font

SANS = FontRef(id="dejavu-sans", sha256=shipped_font("dejavu-sans").sha256)
EVERY_FORMAT = OutputProfile(name="every", formats=("svg", "dxf", "pdf", "png"), dpi=254,
                             tolerance_mm=0.001)


def a_zone(key: str, text: str, layer: Layer = Layer.PRINT, x: float = 40, y: float = 15,
           rotation: float = 0, colour: str = "#1f4e99", bleed: float = 2) -> PlacedSpecZone:
    return PlacedSpecZone(key=key, text=text, layer=layer, width_mm=60, height_mm=14,
                          bleed_mm=bleed, safe_mm=1, font=SANS, size_mm=9, colour=colour,
                          align=Align.CENTER, line_height=1.2, max_lines=1, view="front",
                          x_mm=x, y_mm=y, rotation_deg=rotation)


def a_design(*zones: PlacedSpecZone, width: float = 80, height: float = 50) -> DesignSpec:
    """Two zones on an 80 × 50 mm front by default: a name printed, a date engraved and turned."""
    zones = zones or (a_zone("name", "Ada"),
                      a_zone("date", "1815", Layer.ENGRAVE, y=35, rotation=5, colour="#aa2200"))
    return DesignSpec(product_id="p-1", template_version=1,
                      views=[SpecView(key="front", width_mm=width, height_mm=height)],
                      zones=list(zones))
