"""Line breaking, alignment and the overflow flags."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atelier.typeset import Box, TextStyle, layout
from atelier.typeset.breaking import break_opportunities, grapheme_starts

STYLE = TextStyle(font_id="dejavu-sans", size_mm=5.0)
WIDE = Box(width_mm=500, height_mm=500)


def width_of(text: str, style: TextStyle = STYLE) -> float:
    [line] = layout(text, style, WIDE).lines
    return line.width_mm


def lines_of(text: str, width_mm: float, style: TextStyle = STYLE, **kwargs: int) -> list[str]:
    result = layout(text, style, Box(width_mm=width_mm, height_mm=500), **kwargs)
    return [text[line.start : line.end] for line in result.lines]


def test_breaks_at_the_last_space_that_fits() -> None:
    box = width_of("Ada Lovelace") + 0.01
    assert box < width_of("Ada Lovelace wrote")
    assert lines_of("Ada Lovelace wrote code", box) == ["Ada Lovelace", "wrote code"]


def test_trailing_spaces_hang_and_do_not_count() -> None:
    box = width_of("Ada Lovelace") + 0.01
    assert lines_of("Ada Lovelace     wrote", box) == ["Ada Lovelace", "wrote"]


def test_breaks_after_a_hyphen() -> None:
    box = width_of("well-known") - 0.01
    assert lines_of("well-known", box) == ["well-", "known"]


def test_break_opportunities_follow_the_simplified_uax14_rules() -> None:
    assert break_opportunities("a b", 0, 3) == [2]
    assert break_opportunities("a   b", 0, 5) == [4]  # after the whole run of spaces
    assert break_opportunities("a-b", 0, 3) == [2]
    assert break_opportunities("a -b", 0, 4) == [2]  # a hyphen after a space is a sign
    assert break_opportunities("a-5", 0, 3) == []  # nor before a digit
    assert break_opportunities("a\u00a0b", 0, 3) == []  # no-break space


def test_explicit_newlines_make_lines_even_when_there_is_room() -> None:
    assert lines_of("a\nb", 500) == ["a", "b"]
    assert lines_of("a\r\n\nb", 500) == ["a", "", "b"]


def test_a_word_longer_than_the_line_is_cut_between_graphemes() -> None:
    word = "Supercalifragilistic"
    lines = lines_of(word, 20)
    assert len(lines) > 1 and "".join(lines) == word
    assert all(width_of(line) <= 20 for line in lines)
    assert width_of(lines[0] + lines[1][0]) > 20  # each cut as late as it can be


def test_never_breaks_inside_a_grapheme_cluster() -> None:
    word = "e\u0301" * 8  # é decomposed: two code points, one grapheme
    lines = lines_of(word, width_of("éé") + 0.01)
    assert lines == ["e\u0301e\u0301"] * 4


@settings(max_examples=150, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            ["a", "W", "e\u0301", "i", " ", "-", "\u05e9", "\u0645", "\U0001f44d\U0001f3fd"]
        ),
        max_size=30,
    ).map("".join),
    width_mm=st.floats(min_value=2, max_value=60),
)
def test_every_line_fits_or_is_a_single_grapheme_and_no_cluster_is_split(
    text: str, width_mm: float
) -> None:
    result = layout(text, STYLE, Box(width_mm=width_mm, height_mm=500))
    boundaries = {*grapheme_starts(text), len(text)}
    previous_end = 0
    for line in result.lines:
        assert line.start in boundaries and line.end in boundaries
        assert line.start >= previous_end and text[previous_end : line.start].strip(" ") == ""
        previous_end = line.end
        single = len(grapheme_starts(text[line.start : line.end])) <= 1
        assert line.width_mm <= width_mm + 1e-6 or single
    assert text[previous_end:].strip(" ") == ""


def test_alignment_places_each_line_in_the_box() -> None:
    box = Box(width_mm=80, height_mm=20)
    for align, expected in (("start", 0.0), ("center", 0.5), ("end", 1.0)):
        style = TextStyle(font_id="dejavu-sans", size_mm=5, align=align)
        [line] = layout("Ada", style, box).lines
        assert line.x_mm == pytest.approx((box.width_mm - line.width_mm) * expected)
        assert line.glyphs[0].x_mm == pytest.approx(line.x_mm)


def test_a_right_to_left_paragraph_starts_on_the_right() -> None:
    box = Box(width_mm=80, height_mm=20)
    [line] = layout("שלום", STYLE, box).lines
    assert line.x_mm == pytest.approx(box.width_mm - line.width_mm)
    end = TextStyle(font_id="dejavu-sans", size_mm=5, align="end")
    assert layout("שלום", end, box).lines[0].x_mm == 0


def test_lines_stack_by_the_line_height_and_centre_vertically() -> None:
    style = TextStyle(font_id="dejavu-sans", size_mm=4, line_height=1.5, valign="middle")
    result = layout("a\nb", style, Box(width_mm=50, height_mm=20))
    assert result.height_mm == pytest.approx(2 * 4 * 1.5)
    first, second = result.lines
    assert first.top_mm == pytest.approx((20 - 12) / 2)
    assert second.baseline_mm - first.baseline_mm == pytest.approx(6)
    assert first.top_mm < first.baseline_mm < first.top_mm + first.height_mm


def test_overflow_flags() -> None:
    text = "Ada Lovelace wrote the first program"
    fits = layout(text, STYLE, Box(width_mm=200, height_mm=10), max_lines=1)
    assert fits.fits and len(fits.lines) == 1
    many = layout(text, STYLE, Box(width_mm=60, height_mm=100), max_lines=1)
    assert many.too_many_lines and not many.too_tall and not many.fits
    tall = layout(text, STYLE, Box(width_mm=60, height_mm=7))
    assert tall.too_tall and not tall.too_many_lines
    wide = layout("W", STYLE, Box(width_mm=1, height_mm=10))
    assert wide.too_wide and wide.width_mm > 1


def test_empty_text_fits_with_no_lines() -> None:
    result = layout("", STYLE, Box(width_mm=10, height_mm=10), max_lines=1)
    assert result.fits and result.lines == () and result.height_mm == 0


def test_bad_input_is_refused_with_the_field_named() -> None:
    with pytest.raises(ValueError, match="colour"):
        TextStyle(font_id="dejavu-sans", size_mm=5, colour="red")
    with pytest.raises(ValueError, match="align"):
        TextStyle(font_id="dejavu-sans", size_mm=5, align="justify")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="width_mm"):
        Box(width_mm=0, height_mm=5)
    with pytest.raises(LookupError, match="dejavu-sans"):
        layout("a", TextStyle(font_id="comic", size_mm=5), Box(10, 10))
