"""Fonts: loaded once, uploaded fonts (TrueType and CFF), and glyph coverage."""

import re
from io import BytesIO

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.basePen import AbstractPen
from fontTools.pens.reverseContourPen import ReverseContourPen
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st

from atelier.typeset import (
    Box,
    NotAFont,
    TextStyle,
    UndrawableFont,
    check_font,
    coverage,
    layout,
    rasterize,
    register_font,
)
from atelier.typeset.coverage import _coverage
from atelier.typeset.face import font_face
from atelier.typeset.fonts import shipped_font
from atelier.typeset.testing import (
    GLOBAL_SUBR_BIAS,
    cff_font,
    component_cycle_font,
    composite_font,
    self_referencing_font,
)


def test_a_font_is_loaded_once() -> None:
    assert font_face("dejavu-sans") is font_face("dejavu-sans")


def test_coverage_finds_what_the_font_lacks() -> None:
    cmap = TTFont(shipped_font("dejavu-sans").path).getBestCmap()
    assert ord("中") not in cmap and ord("文") not in cmap  # the premise
    assert coverage("dejavu-sans", "Ada 中文") == [(4, "中"), (5, "文")]


def test_coverage_counts_graphemes_and_ignores_what_is_not_drawn() -> None:
    assert coverage("dejavu-sans", "e\u0301中") == [(1, "中")]
    assert coverage("dejavu-sans", "a\nb\u200dc") == []
    assert coverage("dejavu-serif", "Ελληνικά שלום") == [(9, "ש"), (10, "ל"), (11, "ו"), (12, "ם")]


def test_an_uploaded_truetype_font_lays_out_like_the_shipped_one() -> None:
    register_font("brand-serif", shipped_font("dejavu-serif").path.read_bytes())
    box = Box(100, 20)
    uploaded = layout("Ada", TextStyle(font_id="brand-serif", size_mm=5), box)
    shipped = layout("Ada", TextStyle(font_id="dejavu-serif", size_mm=5), box)
    assert uploaded.lines[0].glyphs == shipped.lines[0].glyphs


def test_register_font_refuses_what_is_not_a_font_or_a_shipped_id() -> None:
    serif = shipped_font("dejavu-serif").path.read_bytes()
    for data in (b"not a font", b"wOF2" + serif[4:], serif[: len(serif) // 3]):
        with pytest.raises(NotAFont, match="not a TrueType or OpenType font") as refused:
            register_font("broken", data)
        assert refused.value.code == "invalid_font_file"
    with pytest.raises(ValueError, match="shipped"):
        register_font("dejavu-sans", shipped_font("dejavu-serif").path.read_bytes())


def cff_ring_font() -> bytes:
    """An OpenType/CFF font whose "O" is a cubic ring: the inner contour runs the other way."""

    def ring(pen: AbstractPen, r: float) -> None:
        k = 0.5523 * r  # cubic approximation of a quarter circle, centred on (500, 350)
        pen.moveTo((500, 350 - r))
        pen.curveTo((500 + k, 350 - r), (500 + r, 350 - k), (500 + r, 350))
        pen.curveTo((500 + r, 350 + k), (500 + k, 350 + r), (500, 350 + r))
        pen.curveTo((500 - k, 350 + r), (500 - r, 350 + k), (500 - r, 350))
        pen.curveTo((500 - r, 350 - k), (500 - k, 350 - r), (500, 350 - r))
        pen.closePath()

    ring_pen = T2CharStringPen(1000, None)
    ring(ring_pen, 350)
    ring(ReverseContourPen(ring_pen), 200)
    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder([".notdef", "O"])
    builder.setupCharacterMap({ord("O"): "O"})
    builder.setupCFF(
        "Ring-Regular",
        {"FullName": "Ring"},
        {".notdef": T2CharStringPen(500, None).getCharString(), "O": ring_pen.getCharString()},
        {},
    )
    builder.setupHorizontalMetrics({".notdef": (500, 0), "O": (1000, 150)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Ring", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    out = BytesIO()
    builder.save(out)
    return out.getvalue()


def test_cff_outlines_are_drawn_with_cubics_and_holes() -> None:
    register_font("ring", cff_ring_font())
    style = TextStyle(font_id="ring", size_mm=10)
    scene = layout("O", style, Box(10, 10)).scene()
    [path] = scene.paths
    assert "C" in path.svg_d() and len(path.contours) == 2
    image = rasterize(scene, 20)
    # The ring is centred at (5 mm, baseline - 3.5 mm); its hole has a radius of 2 mm.
    baseline = layout("O", style, Box(10, 10)).lines[0].baseline_mm
    centre = (5 * 20, round((baseline - 3.5) * 20))
    assert image.getpixel(centre) == (255, 255, 255)
    assert image.getpixel((centre[0] + 55, centre[1])) == (0, 0, 0)  # 2.75 mm out: in the ring


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=40),
       st.sampled_from(["dejavu-sans", "ring"]))
def test_the_ascii_coverage_shortcut_agrees_with_the_cluster_by_cluster_check(
    text: str, font_id: str
) -> None:
    register_font("ring", cff_ring_font())  # draws "O" and nothing else
    assert coverage(font_id, text) == _coverage(font_face(font_id), text)
    if font_id == "ring":
        assert [c for _, c in coverage(font_id, text)] == [
            c for c in text if c.isprintable() and c != "O"
        ]


def chain(length: int) -> dict[str, list[str]]:
    """A built from g1, g1 from g2 … down to the square B: A nests ``length`` deep."""
    names = ["A", *(f"g{i}" for i in range(1, length)), "B"]
    return {names[i]: [names[i + 1]] for i in range(length)}


SUBR = -GLOBAL_SUBR_BIAS  # calls global subroutine 0
HOSTILE = [
    pytest.param(self_referencing_font(), "'A' is built from itself (A → A)", id="self"),
    pytest.param(component_cycle_font(), "'A' is built from itself (A → B → A)", id="2-cycle"),
    pytest.param(composite_font({"C": ["B", "A"], "A": ["C"]}), "(A → C → A)", id="via-2nd"),
    pytest.param(composite_font(chain(17)), "nests components 17 deep; at most 16", id="deep"),
    pytest.param(composite_font({**{f"w{i}": [f"w{i + 1}"] * 4 for i in range(6)},
                                 "w6": ["B"]}), "more than 1024 outlined glyphs", id="wide"),
    pytest.param(cff_font({"A": [600, 0, 0, 66, 68, "endchar"]}),
                 "'D', which the font does not have", id="cff-seac-missing"),
    pytest.param(cff_font({"A": [600, SUBR, "callgsubr", "endchar"]}, [[SUBR, "callgsubr"]]),
                 "nests subroutines deeper than 10", id="cff-subr-calls-itself"),
    pytest.param(cff_font({"A": [600, *[SUBR, "callgsubr"] * 10_001, "endchar"]},
                          [["return"]]), "calls subroutines more than 10000", id="cff-calls"),
    pytest.param(cff_font({"A": [600, 0, 0, 66, 65, "endchar"]}), "(A → A)", id="cff-seac"),
    pytest.param(cff_font({"A": [600, 0, 0, 66, 300, "endchar"]}), "unknown glyphs",
                 id="cff-seac-unknown"),
]


@pytest.mark.parametrize(("data", "reason"), HOSTILE)
def test_a_font_whose_outlines_would_recurse_or_explode_is_refused(
    data: bytes, reason: str
) -> None:
    with pytest.raises(UndrawableFont, match=re.escape(reason)) as refused:
        register_font("hostile", data)
    assert refused.value.code == "font_not_drawable"
    with pytest.raises(UndrawableFont):
        check_font(data)


def test_units_per_em_out_of_range_is_refused() -> None:
    font = TTFont(BytesIO(composite_font({})))
    font["head"].unitsPerEm = 0
    out = BytesIO()
    font.save(out)
    with pytest.raises(UndrawableFont, match="units per em"):
        check_font(out.getvalue())


def test_nesting_and_accents_within_the_limits_are_drawn() -> None:
    fonts = {
        "nested-16": composite_font(chain(16)),
        "accented": cff_font({"C": [600, 0, 0, 65, 66, "endchar"]}),  # seac: A with B on it
        "subroutines": cff_font({"A": [600, SUBR, "callgsubr", "endchar"]},
                                [[0, 0, "rmoveto", 100, 0, "rlineto", 0, 100, "rlineto"]]),
    }
    for font_id, data in fonts.items():
        register_font(font_id, data)
        scene = layout("ABC", TextStyle(font_id=font_id, size_mm=5), Box(100, 20)).scene()
        assert all(path.contours for path in scene.paths), font_id
    drawn = layout("C", TextStyle(font_id="accented", size_mm=5), Box(100, 20)).scene()
    assert len(drawn.paths[0].contours) == 2  # the base and the accent
