"""Fonts built to break a font engine, for the tests of every package that loads fonts.

Each is a small, otherwise valid font drawing the letters A, B and C, built with fontTools the way
a hostile upload would be: saved without fontTools recomputing bounding boxes, which would recurse
into the very structures these fonts get wrong.
"""

from collections.abc import Sequence
from io import BytesIO
from typing import Any

from fontTools.fontBuilder import FontBuilder
from fontTools.misc.psCharStrings import T2CharString
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib.tables._g_l_y_f import Glyph, GlyphComponent

LETTERS = ("A", "B", "C")
GLOBAL_SUBR_BIAS = 107  # a charstring calls global subroutine 0 as -107 (fewer than 1240 of them)


def _square(pen: Any) -> None:
    pen.moveTo((100, 0))
    pen.lineTo((100, 700))
    pen.lineTo((500, 700))
    pen.lineTo((500, 0))
    pen.closePath()


def _builder(glyphs: list[str], cff: bool) -> FontBuilder:
    builder = FontBuilder(1000, isTTF=not cff)
    builder.setupGlyphOrder([".notdef", *glyphs])
    builder.setupCharacterMap({ord(name): name for name in glyphs if len(name) == 1})
    return builder


def _finish(builder: FontBuilder, glyphs: list[str]) -> bytes:
    builder.setupHorizontalMetrics({name: (600, 0) for name in [".notdef", *glyphs]})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Hostile", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    builder.font.recalcBBoxes = False
    out = BytesIO()
    builder.save(out)
    return out.getvalue()


def composite_font(composites: dict[str, list[str]]) -> bytes:
    """A TrueType font in which each glyph of ``composites`` is built from the glyphs named
    (``{"A": ["A"]}``: A refers to itself); A, B and C are squares unless named there. Glyph
    names other than A, B and C are added to the font."""
    glyphs = list(dict.fromkeys([*LETTERS, *composites]))
    builder = _builder(glyphs, cff=False)
    outlines = {}
    for name in [".notdef", *glyphs]:
        pen = TTGlyphPen(None)
        _square(pen)
        outlines[name] = pen.glyph()
    builder.setupGlyf(outlines)
    for name, parts in composites.items():
        glyph = Glyph()
        glyph.numberOfContours = -1
        glyph.components = []
        for part in parts:
            component = GlyphComponent()
            component.glyphName, component.x, component.y, component.flags = part, 0, 0, 0x4
            glyph.components.append(component)
        glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax = 100, 0, 500, 700
        builder.font["glyf"][name] = glyph
    return _finish(builder, glyphs)


def cff_font(programs: dict[str, list[Any]], global_subrs: Sequence[list[Any]] = ()) -> bytes:
    """An OpenType/CFF font whose glyphs in ``programs`` run those Type 2 charstring programs
    (the others are squares), with ``global_subrs`` as its global subroutines."""
    glyphs = list(LETTERS)
    builder = _builder(glyphs, cff=True)
    charstrings = {}
    for name in [".notdef", *glyphs]:
        if name in programs:
            charstrings[name] = T2CharString(program=programs[name])
        else:
            pen = T2CharStringPen(600, None)
            _square(pen)
            charstrings[name] = pen.getCharString()
    builder.setupCFF("Hostile-Regular", {"FullName": "Hostile"}, charstrings, {})
    cff = builder.font["CFF "].cff
    for program in global_subrs:
        cff.GlobalSubrs.append(T2CharString(program=program))
    return _finish(builder, glyphs)


def self_referencing_font() -> bytes:
    """A glyph whose only component is itself."""
    return composite_font({"A": ["A"]})


def component_cycle_font() -> bytes:
    """Two glyphs each built from the other: A → B → A."""
    return composite_font({"A": ["B"], "B": ["A"]})
