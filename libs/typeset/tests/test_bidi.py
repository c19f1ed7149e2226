"""Direction and visual order of runs, held against python-bidi's full UAX #9 implementation."""

import unicodedata

import bidi
import pytest
import uharfbuzz as hb
from hypothesis import given, settings
from hypothesis import strategies as st

from atelier.typeset import Box, TextStyle, layout
from atelier.typeset.fonts import shipped_font
from atelier.typeset.itemize import line_runs, paragraph_level, resolve_levels, resolve_scripts

STYLE = TextStyle(font_id="dejavu-sans", size_mm=5.0)
WIDE = Box(width_mm=500, height_mm=50)


def clusters(text: str, style: TextStyle = STYLE) -> list[int]:
    [line] = layout(text, style, WIDE).lines
    return [glyph.cluster for glyph in line.glyphs]


def test_arabic_inside_latin_is_reversed_as_a_run() -> None:
    #                 hello_ مرحبا _world
    assert clusters("hello مرحبا world") == [0, 1, 2, 3, 4, 5, 10, 9, 8, 7, 6, *range(11, 17)]


def test_latin_inside_an_arabic_paragraph_keeps_its_order_on_the_left() -> None:
    # RTL paragraph: first the Latin word (left), then the space, then the Arabic (right).
    [line] = layout("مرحبا hello", STYLE, WIDE).lines
    assert line.rtl
    assert [glyph.cluster for glyph in line.glyphs] == [6, 7, 8, 9, 10, 5, 4, 3, 2, 1, 0]


def test_numbers_in_hebrew_read_left_to_right() -> None:
    assert clusters("שלום 123") == [5, 6, 7, 4, 3, 2, 1, 0]


def test_forced_direction_overrides_the_first_strong_character() -> None:
    [line] = layout("abc", TextStyle(font_id="dejavu-sans", size_mm=5, direction="rtl"), WIDE).lines
    assert line.rtl


def test_hebrew_and_arabic_side_by_side_are_shaped_as_separate_scripts() -> None:
    text = "שלום مرحبا"
    assert resolve_scripts(text) == ["Hebr"] * 5 + ["Arab"] * 5  # the space joins the Hebrew
    blob = hb.Blob.from_file_path(str(shipped_font("dejavu-sans").path))
    buffer = hb.Buffer()
    buffer.add_str("مرحبا")
    buffer.guess_segment_properties()
    hb.shape(hb.Font(hb.Face(blob)), buffer, {})
    [line] = layout(text, STYLE, WIDE).lines
    arabic = [glyph.id for glyph in line.glyphs if glyph.cluster >= 5]
    assert arabic == [info.codepoint for info in buffer.glyph_infos]  # joined forms
    assert [glyph.cluster for glyph in line.glyphs][:5] == [9, 8, 7, 6, 5]  # Arabic leftmost


def visual(text: str) -> str:
    base = paragraph_level(text)
    levels = resolve_levels(text, base)
    runs = line_runs(text, levels, resolve_scripts(text), 0, len(text), base)
    return "".join(text[r.start : r.end][:: -1 if r.rtl else 1] for r in runs)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "ab",
                "C",
                "אב",
                "ש",
                "عم",
                "ب",
                "12",
                "٣٤",
                " ",
                ".",
                ",",
                "-",
                "+",
                "%",
                "$",
                "!",
                "/",
                ":",
                "\u0301",
                "(",
                ")",
                "[",
                "]",
                "\uff3b",  # fullwidth brackets: their pair is two code points apart
                "\uff3d",
            ]
        ),
        max_size=12,
    )
)
def test_visual_order_matches_the_full_bidi_algorithm(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert visual(text) == bidi.get_display(text)


@pytest.mark.parametrize(
    "text", ["abc 12.5% שלום", "עברית (1-2) abc", "x = 12,3 مرحبا", "$5 ש", "١٢٣ abc",
             "שלום abc (def)", "a (ש) ב", "ש (a) b", "مرحبا [12!a(b).", "abc (שלום)\u0301 d",
             "שלום abc (def"]
)
def test_visual_order_matches_on_typical_mixtures(text: str) -> None:
    assert visual(text) == bidi.get_display(text)


def test_every_opening_and_closing_bracket_pairs_as_unicode_pairs_them() -> None:
    # Python has no Bidi_Paired_Bracket data: the pairs are derived, and held here against
    # python-bidi's, for every opening and closing punctuation mark Unicode has
    def of(category: str) -> list[str]:  # all of them are in the Basic Multilingual Plane
        return [chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == category]

    wrong = [(opening, closing) for opening in of("Ps") for closing in of("Pe")
             if visual(text := f"שלום abc {opening}def{closing}") != bidi.get_display(text)]
    assert wrong == []


def test_a_bracket_pair_keeps_the_direction_of_what_it_encloses() -> None:
    # N0: the closing parenthesis stays with "def", as a browser shows the shopper's input;
    # as a plain neutral between "f" and the end of a right-to-left paragraph it would be R
    assert visual("שלום abc (def)") == "abc (def) םולש"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=40))
def test_the_ascii_shortcuts_agree_with_the_full_algorithms(text: str) -> None:
    from atelier.typeset.breaking import _grapheme_starts, grapheme_starts
    from atelier.typeset.itemize import _resolve_levels, _resolve_scripts

    assert resolve_levels(text, 0) == _resolve_levels(text, 0)
    assert resolve_scripts(text) == _resolve_scripts(text)
    assert paragraph_level(text) == 0
    assert grapheme_starts(text) == _grapheme_starts(text)

