"""Atelier's one text layout engine (DESIGN §6): the measure, the preview and the production file
all come from the same shaped, broken and placed text, as a vector scene in millimetres.

    from atelier.typeset import Box, TextStyle, layout, autofit, rasterize, coverage
    style = TextStyle(font_id="dejavu-sans", size_mm=5.0, align="center", colour="#112233")
    result = layout("Ada Lovelace", style, Box(width_mm=60, height_mm=12), max_lines=2)
    result.fits, result.width_mm, result.height_mm    # and too_wide, too_many_lines, too_tall
    result.lines[0].width_mm, result.lines[0].glyphs          # glyph ids, clusters, positions in mm
    scene = result.scene()                                    # filled outlines, mm, y down
    scene.svg(); scene.paths[0].svg_d(); scene.paths[0].polylines(tolerance_mm=0.01)
    png = rasterize(scene, px_per_mm=10)                      # PIL image, anti-aliased
    autofit("Ada Lovelace", style, box, min_size=2, max_size=12, step=0.5)  # largest size or None
    coverage("dejavu-sans", "中")                             # [(0, "中")]: the font lacks it

Modules: `layout` (boxes, styles, line breaking, auto-fit), `face` (fonts loaded once, shaping,
outlines; `register_font` for a brand's upload), `itemize` (bidi levels and scripts), `breaking`
(paragraphs, grapheme clusters, break opportunities), `scene` (paths, SVG, polylines), `raster`,
`coverage`, `bench`, and `fonts` (the shipped, freely licensed fonts).
"""

from atelier.typeset.coverage import coverage
from atelier.typeset.face import register_font
from atelier.typeset.layout import Box, Glyph, Layout, Line, TextStyle, autofit, fits, layout
from atelier.typeset.raster import rasterize
from atelier.typeset.scene import Contour, Path, Scene

__all__ = [
    "Box",
    "Contour",
    "Glyph",
    "Layout",
    "Line",
    "Path",
    "Scene",
    "TextStyle",
    "autofit",
    "coverage",
    "fits",
    "layout",
    "rasterize",
    "register_font",
]
