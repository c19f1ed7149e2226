"""Atelier's one text layout engine (DESIGN §6): the measure, the preview and the production file
all come from the same shaped, broken and placed text, as a vector scene in millimetres.

    from atelier.typeset import Box, TextStyle, layout, autofit, rasterize, coverage
    from atelier.typeset import PrintBox, zone_scene
    style = TextStyle(font_id="dejavu-sans", size_mm=5.0, align="center", colour="#112233")
    result = layout("Ada Lovelace", style, Box(width_mm=60, height_mm=12), max_lines=2)
    result.fits, result.width_mm, result.height_mm    # and too_wide, too_many_lines, too_tall
    result.lines[0].width_mm, result.lines[0].glyphs          # glyph ids, clusters, positions in mm
    scene = result.scene()                                    # filled outlines, mm, y down
    scene.svg(); scene.paths[0].svg_d(); scene.paths[0].polylines(tolerance_mm=0.01)
    scene.paths[0].translated(1.5, 1.5)                       # the same glyph moved, in mm
    png = rasterize(scene, px_per_mm=10)                      # PIL RGB image drawn by Skia
    rasterize(scene, px_per_mm=10, background=None)           # RGBA on transparency
    autofit("Ada Lovelace", style, box, min_size=2, max_size=12, step=0.5)  # largest size or None
    zone = PrintBox(width_mm=64, height_mm=16, safe_mm=2)     # zone.safe_box == Box(60, 12)
    zone_scene("Ada Lovelace", style, zone, max_lines=2)      # laid out in the safe area,
                                                              # centred, in print-box mm (64×16)
    coverage("dejavu-sans", "中")                             # [(0, "中")]: the font lacks it

Modules: `style` (the box and the text style asked for), `layout` (lines aligned, glyphs placed,
overflow flagged: `Layout`, `Line`, `Glyph`), `paragraph` (paragraphs shaped and broken greedily
into lines; the cache of analysed texts), `fit` (`fits` and `autofit`'s search over sizes), `face`
(fonts loaded once, shaping, outlines; `register_font` for a brand's upload, `check_font`
before one is kept), `fontcheck` (what a font must be to be loaded: `FontRefused`), `itemize` (bidi
levels and scripts), `breaking` (paragraphs, grapheme clusters, break opportunities), `scene`
(paths, translation, SVG, polylines), `zone` (a zone's print box and safe area; its text placed as
the scene every output is drawn from), `raster`, `coverage`, `bench`, and `fonts` (the shipped,
freely licensed fonts).
"""

from atelier.typeset.coverage import coverage
from atelier.typeset.face import check_font, harfbuzz_version, register_font
from atelier.typeset.fit import autofit, fits
from atelier.typeset.fontcheck import FontRefused, NotAFont, UndrawableFont
from atelier.typeset.layout import Glyph, Layout, Line, layout
from atelier.typeset.raster import rasterize
from atelier.typeset.scene import Contour, Path, Scene
from atelier.typeset.style import Box, TextStyle
from atelier.typeset.zone import PrintBox, zone_scene

__all__ = [
    "Box",
    "Contour",
    "FontRefused",
    "Glyph",
    "Layout",
    "Line",
    "NotAFont",
    "Path",
    "PrintBox",
    "Scene",
    "TextStyle",
    "UndrawableFont",
    "autofit",
    "check_font",
    "coverage",
    "fits",
    "harfbuzz_version",
    "layout",
    "rasterize",
    "register_font",
    "zone_scene",
]
