"""Auto-fit picks the largest size on the grid that fits; the next size up does not."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from atelier.typeset import Box, TextStyle, autofit, fits

STYLE = TextStyle(font_id="dejavu-sans", size_mm=1.0, align="center")


@settings(max_examples=60, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["A", "V", "a", "w", "i", " ", "-", "é", "\n"]), min_size=1, max_size=20
    ).map("".join),
    width_mm=st.floats(min_value=5, max_value=80),
    height_mm=st.floats(min_value=3, max_value=40),
    max_lines=st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
)
def test_chosen_size_fits_and_one_step_larger_does_not(
    text: str, width_mm: float, height_mm: float, max_lines: int | None
) -> None:
    box = Box(width_mm=width_mm, height_mm=height_mm)
    size = autofit(text, STYLE, box, min_size=1.0, max_size=12.0, step=0.5, max_lines=max_lines)
    if size is None:
        assert not fits(text, replace(STYLE, size_mm=1.0), box, max_lines)
        return
    assert (size - 1.0) / 0.5 == round((size - 1.0) / 0.5)  # on the grid
    assert fits(text, replace(STYLE, size_mm=size), box, max_lines)
    if size + 0.5 <= 12.0:
        assert not fits(text, replace(STYLE, size_mm=size + 0.5), box, max_lines)


def test_none_when_even_the_minimum_does_not_fit() -> None:
    box = Box(width_mm=20, height_mm=6)
    assert autofit("Supercalifragilistic", STYLE, box, 4.0, 10.0, 0.5, max_lines=1) is None


def test_short_text_gets_the_maximum() -> None:
    assert autofit("Ada", STYLE, Box(width_mm=100, height_mm=100), 2.0, 12.0, 0.25) == 12.0
