"""Golden tests: what `layout` places is what HarfBuzz, run directly on the font, shapes."""

import pytest
import uharfbuzz as hb

from atelier.typeset import Box, TextStyle, layout
from atelier.typeset.fonts import shipped_font

SIZE_MM = 5.0
STYLE = TextStyle(font_id="dejavu-sans", size_mm=SIZE_MM)
WIDE = Box(width_mm=500, height_mm=50)


@pytest.fixture(scope="module")
def harfbuzz_font() -> hb.Font:
    blob = hb.Blob.from_file_path(str(shipped_font("dejavu-sans").path))
    return hb.Font(hb.Face(blob))


def shaped_directly(font: hb.Font, text: str) -> list[tuple[int, int, float]]:
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    hb.shape(font, buffer, {})
    scale = SIZE_MM / font.face.upem
    return [
        (info.codepoint, info.cluster, pos.x_advance * scale)
        for info, pos in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True)
    ]


def laid_out(text: str) -> list[tuple[int, int, float]]:
    [line] = layout(text, STYLE, WIDE).lines
    return [(glyph.id, glyph.cluster, glyph.advance_mm) for glyph in line.glyphs]


@pytest.mark.parametrize(
    "text", ["AVATAR", "office", "שלום", "مرحبا", "Ελληνικά", "e\u0301", "Ada Lovelace"]
)
def test_glyph_ids_clusters_and_advances_are_harfbuzz_s(harfbuzz_font: hb.Font, text: str) -> None:
    expected = shaped_directly(harfbuzz_font, text)
    got = laid_out(text)
    assert [(gid, cluster) for gid, cluster, _ in got] == [(g, c) for g, c, _ in expected]
    assert [advance for *_, advance in got] == pytest.approx([a for *_, a in expected])


def test_avatar_is_kerned(harfbuzz_font: hb.Font) -> None:
    glyphs = laid_out("AVATAR")
    nominal_a = harfbuzz_font.get_glyph_h_advance(glyphs[0][0]) * SIZE_MM / 2048
    assert glyphs[0][2] < nominal_a  # "A" pulled under "V"


def test_office_takes_the_ffi_ligature() -> None:
    glyphs = laid_out("office")
    assert [cluster for _, cluster, _ in glyphs] == [0, 1, 4, 5]  # o, ffi, c, e


def test_decomposed_accent_is_composed_into_one_glyph(harfbuzz_font: hb.Font) -> None:
    [(gid, cluster, _)] = laid_out("e\u0301")
    assert (gid, cluster) == (harfbuzz_font.get_nominal_glyph(ord("é")), 0)


def test_hebrew_comes_out_right_to_left() -> None:
    assert [cluster for _, cluster, _ in laid_out("שלום")] == [3, 2, 1, 0]


def test_arabic_letters_take_their_joining_forms(harfbuzz_font: hb.Font) -> None:
    glyphs = laid_out("مرحبا")
    assert [cluster for _, cluster, _ in glyphs] == [4, 3, 2, 1, 0]
    isolated = [harfbuzz_font.get_nominal_glyph(ord(char)) for char in "مرحبا"]
    assert [gid for gid, _, _ in reversed(glyphs)] != isolated
    meem = glyphs[-1][0]
    assert meem != harfbuzz_font.get_nominal_glyph(ord("م"))  # initial form, not isolated


def test_line_width_is_the_sum_of_advances() -> None:
    [line] = layout("AVATAR office", STYLE, WIDE).lines
    assert line.width_mm == pytest.approx(sum(glyph.advance_mm for glyph in line.glyphs))
    xs = [glyph.x_mm for glyph in line.glyphs]
    assert xs == sorted(xs)


def test_the_benchmark_lays_out_lines() -> None:
    from atelier.typeset.bench import lines_per_second

    assert lines_per_second(12) > 0  # a smoke test: `make bench` reads the number, not CI
