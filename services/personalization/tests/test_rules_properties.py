"""Properties of the rules engine over generated text (hypothesis): normalization, grapheme
counting and auto-fit."""

import hashlib
import unicodedata
from typing import Any

import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from atelier.contracts.personalization import TextZone, ZoneResult
from atelier.personalization.rules import autofit_design, normalize_design
from atelier.typeset import Box, TextStyle, layout
from atelier.typeset.fonts import SHIPPED

FONTS = {
    font_id: hashlib.sha256(font.path.read_bytes()).hexdigest() for font_id, font in SHIPPED.items()
}
JOINERS = "\u200c\u200d"
# What makes normalization hard, mixed into arbitrary code points: invisible and format
# characters, joiners, bidi controls, every kind of line break and space, controls, combining
# marks with and without a composed form, an emoji and a skin tone, Hangul jamo, Arabic.
TRICKY = list(
    "\u200b\u200c\u200d\ufeff\u00ad\u2060\u061c\u200e\u202e\u2066\ufff9"
    "\r\n\u2028\u2029 \u00a0\u3000\t\x00\x85"
    "\u0301\u0308\u0323\u0345eaoqAİß\U0001f468\U0001f3fd\ufe0f\u1100\u1161\u11a8لا"
)
texts = st.text(
    alphabet=st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(TRICKY)),
    max_size=30,
)
examples = settings(max_examples=100, deadline=None)


def a_zone(**rules: Any) -> TextZone:
    return TextZone.model_validate(
        {
            "key": "z",
            "label": "Zone",
            "width_mm": 60,
            "height_mm": 12,
            "fonts": [{"font_id": "dejavu-sans", "min_size_mm": 2, "max_size_mm": 8}],
            "rules": {"max_length": 500, "max_lines": 20, **rules},
        }
    )


def normalized(text: str, policy: str = "strip") -> ZoneResult:
    return normalize_design([a_zone(invisible=policy)], {"z": text}).zones[0]


# --- normalization -------------------------------------------------------------------------------
@examples
@given(texts, st.sampled_from(["strip", "reject"]))
@example(" \u200dAda", "strip")  # a joiner after white space would lead the trimmed value
@example("a\u200b\u0301", "strip")  # the removal brings a mark next to its base
@example("\r\n\u2000x\u3000", "reject")
def test_normalizing_a_normalized_value_changes_nothing(text: str, policy: str) -> None:
    value = normalized(text, policy).value
    again = normalized(value, policy)
    assert again.value == value and again.removed == []
    assert unicodedata.is_normalized("NFC", value)


@examples
@given(texts)
def test_decomposed_and_composed_input_give_the_same_value_and_length(text: str) -> None:
    composed = normalized(unicodedata.normalize("NFC", text))
    decomposed = normalized(unicodedata.normalize("NFD", text))
    assert (composed.value, composed.length) == (decomposed.value, decomposed.length)
    assert composed.removed == decomposed.removed  # same characters, same input positions


@examples
@given(texts)
@example("\u200d\u200dA \u200cB\n\u200dC")
def test_removed_characters_never_appear_in_the_value(text: str) -> None:
    result = normalized(text)
    removed = {chr(int(r.character.split()[0][2:], 16)) for r in result.removed}
    assert not (removed - set(JOINERS)) & set(result.value)
    # joiners are removed only where they join nothing, and never lead a value or a line
    assert not result.value.startswith(tuple(JOINERS))
    assert not regex.search(r"[\s][\u200c\u200d]", result.value)


@examples
@given(texts)
def test_positions_point_into_the_input(text: str) -> None:
    result = normalize_design([a_zone(invisible="reject")], {"z": text}).zones[0]
    count = len(regex.findall(r"\X", text))
    positions = [e.position for e in result.errors if e.position is not None]
    assert all(0 <= position < count for position in positions)


# --- grapheme counting ---------------------------------------------------------------------------
@examples
@given(texts)
def test_length_counts_grapheme_clusters_without_line_breaks(text: str) -> None:
    result = normalized(text)
    clusters = [c for c in regex.findall(r"\X", result.value) if c != "\n"]
    assert result.length == len(clusters) <= len(result.value)
    assert result.lines == (result.value.count("\n") + 1 if result.value else 0)


# --- auto-fit ------------------------------------------------------------------------------------
tenths = st.integers(min_value=5, max_value=50).map(lambda n: n / 10)


@settings(max_examples=100, deadline=None)
@given(
    text=st.text(alphabet="ilmW .-'", min_size=1, max_size=40).filter(str.strip),
    width=st.integers(min_value=6, max_value=160).map(lambda n: n / 2),
    height=st.integers(min_value=4, max_value=60).map(lambda n: n / 2),
    smallest=tenths,
    span=st.integers(min_value=0, max_value=100).map(lambda n: n / 10),
    max_lines=st.integers(min_value=1, max_value=3),
    font_id=st.sampled_from(sorted(SHIPPED)),
    align=st.sampled_from(["start", "center", "end"]),
)
def test_auto_fit_picks_the_largest_size_that_fits(
    text: str,
    width: float,
    height: float,
    smallest: float,
    span: float,
    max_lines: int,
    font_id: str,
    align: str,
) -> None:
    largest = round(smallest + span, 1)
    zone = TextZone.model_validate(
        {
            "key": "z",
            "label": "Zone",
            "width_mm": width,
            "height_mm": height,
            "align": align,
            "fonts": [{"font_id": font_id, "min_size_mm": smallest, "max_size_mm": largest}],
            "rules": {"max_length": 500, "max_lines": max_lines},
        }
    )
    result = autofit_design([zone], {"z": text}, FONTS).zones[0]

    def fits(size: float) -> bool:
        style = TextStyle(font_id, size, align=align)
        return layout(result.value, style, Box(width, height), max_lines).fits

    if result.size_mm is None:
        assert [e.code for e in result.errors] == ["does_not_fit"] and result.fits is False
        assert not fits(smallest)
        return
    size = result.size_mm
    assert result.errors == [] and result.fits is True
    assert smallest <= size <= largest and size == round(size, 1)
    assert fits(size)
    if size + 0.1 <= largest + 1e-9:
        assert not fits(round(size + 0.1, 1))


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30),
       st.sampled_from(["strip", "reject"]))
@example("   ", "strip")
@example("  a b  ", "reject")
def test_printable_ascii_takes_a_shortcut_to_the_same_result(text: str, policy: str) -> None:
    from atelier.contracts.personalization import InvisiblePolicy
    from atelier.personalization.rules.normalize import _normalize, normalize

    chosen = InvisiblePolicy(policy)
    assert normalize(text, chosen, "k", "K") == _normalize(text, chosen, "k", "K")
