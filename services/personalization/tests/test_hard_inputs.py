"""Hard inputs for the rules engine, one row each with its exact expected outcome.

Written from the rules specification (the ``rules`` package docstring and issue 3), not from the
implementation: every row says what the shopper typed, the zone it was typed into, and precisely
what must come back: the normalized value, its length in grapheme clusters, the removed
characters, and each error code at its grapheme position in the INPUT text.
"""

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
import rfc8785
from fontTools.ttLib import TTFont

from atelier.contracts import ErrorCode
from atelier.contracts.personalization import (
    FontOption,
    TextRules,
    TextZone,
    ValidationResult,
    WordList,
    ZoneInput,
    ZoneResult,
)
from atelier.contracts.spec import DesignSpec, FontRef, PlacedSpecZone, SpecView
from atelier.personalization import rules
from atelier.typeset import Box, TextStyle, autofit
from atelier.typeset.fonts import SHIPPED, shipped_font

E = ErrorCode
PRODUCT = "prd_hard_inputs"
FONTS = {
    font_id: hashlib.sha256(font.path.read_bytes()).hexdigest()
    for font_id, font in SHIPPED.items()
}
WORDS = WordList(blocked=["badword"])

FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # woman ZWJ woman ZWJ girl
THUMBS_MEDIUM = "\U0001f44d\U0001f3fd"  # thumbs up + skin tone modifier type 4
HEARTS = "\u2665\u200d\u2665"  # one cluster (GB11), drawn by DejaVu Sans: the ZWJ must stay
LONG = "abcdefghij" * 1000  # 10 000 letters, the most ZoneInput accepts
LONG_DECOMPOSED = "e\u0301" * 5000  # 10 000 code points, 5 000 graphemes after NFC
LOREM = "Lorem ipsum dolor sit amet, consectetur"

# --- zones ---------------------------------------------------------------------------------


def zone(
    key: str = "name", label: str = "Name", *, geometry: Mapping[str, Any] | None = None,
    **rule_fields: Any,
) -> TextZone:
    """An 80 × 20 mm zone in DejaVu Sans 2–8 mm: roomy enough that short texts fit at 8 mm."""
    fields: dict[str, Any] = {
        "key": key, "label": label, "width_mm": 80, "height_mm": 20,
        "fonts": [FontOption(font_id="dejavu-sans", min_size_mm=2, max_size_mm=8)],
    }
    fields.update(geometry or {})
    rule_fields.setdefault("max_length", 30)
    return TextZone(**fields, rules=TextRules(**rule_fields))


LETTERS = {"allowed_classes": ["letters"]}
SYMBOLS = {"allowed_classes": ["letters", "digits", "punctuation", "space", "symbols"]}
TWO_LINES = {"max_lines": 2}
REJECT = {"invisible": "reject"}
BOTH_FONTS = {
    "fonts": [
        FontOption(font_id="dejavu-sans", min_size_mm=2, max_size_mm=8),
        FontOption(font_id="dejavu-serif", min_size_mm=2, max_size_mm=8),
    ]
}
RED_OR_BLACK = {"colours": ["#000000", "#FF0000"]}
NARROW = {"width_mm": 30, "height_mm": 10}
TINY = {"width_mm": 20, "height_mm": 5}

# --- expectations --------------------------------------------------------------------------


# The specification does not say where in the text an overflow applies: any position will do.
SOMEWHERE = -1
UNPLACED = {E.DOES_NOT_FIT}


@dataclass(frozen=True)
class Outcome:
    """The exact result for one zone. ``value``/``length``/``lines`` None: the specification
    leaves them open for a refused zone. Errors are (code, position in the input)."""

    errors: tuple[tuple[ErrorCode, int | None], ...] = ()
    value: str | None = None
    length: int | None = None
    removed: tuple[tuple[int, str], ...] = ()
    lines: int | None = None
    size_mm: float | None = None
    font_id: str = "dejavu-sans"
    colour: str = "#000000"


def ok(value: str, length: int, lines: int = 1, size_mm: float = 8.0, **more: Any) -> Outcome:
    return Outcome(value=value, length=length, lines=lines, size_mm=size_mm, **more)


def refused(*errors: tuple[ErrorCode, int | None], **more: Any) -> Outcome:
    return Outcome(errors=errors, **more)


@cache
def _cmap() -> frozenset[int]:
    return frozenset(TTFont(shipped_font("dejavu-sans").path).getBestCmap())


def lacking(text: str) -> list[str]:
    """The code points of ``text`` DejaVu Sans has no glyph for, read from its cmap (format
    characters such as ZWJ are never drawn, so never missing)."""
    return [
        f"U+{ord(c):04X}" for c in text
        if unicodedata.category(c) != "Cf" and ord(c) not in _cmap()
    ]


def glyph_missing(text: str, at: int) -> tuple[tuple[ErrorCode, int], ...]:
    """One ``glyph_missing`` per character of the cluster at ``at`` that the font lacks."""
    return tuple((E.GLYPH_MISSING, at) for _ in lacking(text))


def autofitted(text: str, width_mm: float, height_mm: float) -> float:
    """The size the specification asks for: the engine's auto-fit on the 0.1 mm grid."""
    style = TextStyle(font_id="dejavu-sans", size_mm=8, align="center", line_height=1.2)
    size = autofit(text, style, Box(width_mm, height_mm), 2, 8, 0.1, max_lines=1)
    assert size is not None
    return round(size, 1)


ZWJ, ZWSP = "U+200D ZERO WIDTH JOINER", "U+200B ZERO WIDTH SPACE"
BOM = "U+FEFF ZERO WIDTH NO-BREAK SPACE"
EXCEPTION = WordList(blocked=["*badword*"], allowed=["mybadwordish"])


def row(
    the_zone: TextZone, typed: ZoneInput | str, expected: Outcome, *, id: str,
    words: WordList = WORDS,
) -> Any:
    return pytest.param(the_zone, typed, words, expected, id=id)


# (zone, value as sent, expected outcome; the block-list is ["badword"] unless said)
ROWS = [
    # combining accents: NFC, length in grapheme clusters
    row(zone(), "Zo\u00eb", ok("Zo\u00eb", 3), id="accent-composed"),
    row(zone(), "Zoe\u0308", ok("Zo\u00eb", 3), id="accent-decomposed"),
    row(zone(**LETTERS), "q\u0301", ok("q\u0301", 1), id="accent-no-composed-form"),
    row(
        zone(max_length=20), LONG_DECOMPOSED,
        refused((E.TOO_LONG, 20), value="\u00e9" * 5000, length=5000), id="accent-10000-cp",
    ),
    # emoji with joiners and skin tones: one grapheme, refused for the glyphs DejaVu Sans lacks
    row(
        zone(**SYMBOLS), FAMILY,
        refused(*glyph_missing(FAMILY, 0), value=FAMILY, length=1), id="emoji-family-symbols-zone",
    ),
    row(
        zone(**SYMBOLS), THUMBS_MEDIUM,
        refused(*glyph_missing(THUMBS_MEDIUM, 0), value=THUMBS_MEDIUM, length=1),
        id="emoji-skin-tone-symbols-zone",
    ),
    row(
        zone(**SYMBOLS), "Hi " + THUMBS_MEDIUM,
        refused(*glyph_missing(THUMBS_MEDIUM, 3), value="Hi " + THUMBS_MEDIUM, length=4),
        id="emoji-skin-tone-after-text",
    ),
    row(
        zone(), FAMILY,
        refused((E.CHARACTER_NOT_ALLOWED, 0), *glyph_missing(FAMILY, 0), value=FAMILY, length=1),
        id="emoji-family-no-symbols",
    ),
    row(
        zone(), THUMBS_MEDIUM,
        refused(
            (E.CHARACTER_NOT_ALLOWED, 0), *glyph_missing(THUMBS_MEDIUM, 0),
            value=THUMBS_MEDIUM, length=1,
        ),
        id="emoji-skin-tone-no-symbols",
    ),
    row(zone(**SYMBOLS), HEARTS, ok(HEARTS, 1), id="zwj-sequence-drawn-kept"),
    row(zone(**SYMBOLS, **REJECT), HEARTS, ok(HEARTS, 1), id="zwj-sequence-kept-under-reject"),
    # right-to-left and mixed direction
    row(zone(**LETTERS), "مرحبا", ok("مرحبا", 5), id="arabic"),
    row(zone(**LETTERS), "שלום", ok("שלום", 4), id="hebrew"),
    row(zone(), "Hello שלום 123", ok("Hello שלום 123", 14), id="mixed-direction"),
    row(
        zone(**LETTERS), "می\u200cخواهم", ok("می\u200cخواهم", 7), id="persian-zwnj-kept",
    ),
    row(zone(**LETTERS), "Ann\u200ca", ok("Ann\u200ca", 4), id="zwnj-after-base-kept"),
    # zero-width and invisible characters: strip removes (at input positions), reject refuses
    row(
        zone(), "\u200dAn\u200bna", ok("Anna", 4, removed=((0, ZWJ), (3, ZWSP))),
        id="zwj-leading-zwsp-inside-strip",
    ),
    row(
        zone(**REJECT), "\u200dAn\u200bna",
        refused((E.INVISIBLE_CHARACTER, 0), (E.INVISIBLE_CHARACTER, 3)),
        id="zwj-leading-zwsp-inside-reject",
    ),
    row(
        zone(**TWO_LINES), "Ann\n\u200dBo", ok("Ann\nBo", 5, lines=2, removed=((4, ZWJ),)),
        id="zwj-after-newline-strip",
    ),
    row(
        zone(), "\ufeffAnna", ok("Anna", 4, removed=((0, BOM),)), id="bom-strip",
    ),
    row(
        zone(), "Ann\u00ada", ok("Anna", 4, removed=((3, "U+00AD SOFT HYPHEN"),)),
        id="soft-hyphen-strip",
    ),
    row(
        zone(), "שלום\u200f!",
        ok("שלום!", 5, removed=((4, "U+200F RIGHT-TO-LEFT MARK"),)), id="rlm-strip",
    ),
    row(
        zone(**REJECT), "שלום\u200f!", refused((E.INVISIBLE_CHARACTER, 4)), id="rlm-reject",
    ),
    row(
        zone(), "\u200b", refused((E.REQUIRED, None), value="", length=0, removed=((0, ZWSP),)),
        id="only-invisible-strip-is-empty",
    ),
    # bidi embeddings, overrides and isolates: always refused
    row(zone(), "abc\u202edef", refused((E.BIDI_CONTROL, 3)), id="bidi-override-strip"),
    row(
        zone(**REJECT), "abc\u202edef", refused((E.BIDI_CONTROL, 3)), id="bidi-override-reject",
    ),
    row(
        zone(), "abc\u2066def\u2069", refused((E.BIDI_CONTROL, 3), (E.BIDI_CONTROL, 7)),
        id="bidi-isolate",
    ),
    # control characters and line breaks
    row(zone(), "a\tb", refused((E.CONTROL_CHARACTER, 1)), id="tab"),
    row(zone(), "a\x00b", refused((E.CONTROL_CHARACTER, 1)), id="nul"),
    row(zone(), "a\x85b", refused((E.CONTROL_CHARACTER, 1)), id="c1-next-line"),
    row(zone(), "a\nb", refused((E.TOO_MANY_LINES, 2)), id="newline-single-line"),
    row(zone(**TWO_LINES), "a\r\nb", ok("a\nb", 2, lines=2), id="crlf-two-lines"),
    row(zone(**TWO_LINES), "a\rb", ok("a\nb", 2, lines=2), id="cr-two-lines"),
    row(
        zone(**TWO_LINES), "a\u2028b", ok("a\nb", 2, lines=2), id="line-separator-two-lines",
    ),
    row(
        zone(**TWO_LINES), "a\r\nb\r\nc", refused((E.TOO_MANY_LINES, 4)),
        id="crlf-three-lines-in-two",
    ),
    # a character the font cannot draw
    row(
        zone(**LETTERS), "中", refused((E.GLYPH_MISSING, 0), value="中", length=1),
        id="cjk-missing-glyph",
    ),
    row(
        zone(), "Li 中", refused((E.GLYPH_MISSING, 3), value="Li 中", length=4),
        id="cjk-missing-glyph-after-text",
    ),
    # character classes
    row(zone(), "5\u20ac", refused((E.CHARACTER_NOT_ALLOWED, 1)), id="euro-not-allowed"),
    row(zone(allowed_extra="\u20ac"), "5\u20ac", ok("5\u20ac", 2), id="euro-extra"),
    row(
        zone(), "a\u00a0b", refused((E.CHARACTER_NOT_ALLOWED, 1)), id="no-break-space-inside",
    ),
    # homoglyph attempts against the block-list ["badword"]
    row(zone(), "BadWord", refused((E.BLOCKED_WORD, 0)), id="block-case"),
    row(zone(), "BADWORD!", refused((E.BLOCKED_WORD, 0)), id="block-upper-punct"),
    row(zone(), "so bádwörd", refused((E.BLOCKED_WORD, 3)), id="block-accents"),
    row(
        zone(), "so ba\u0301dwo\u0308rd", refused((E.BLOCKED_WORD, 3)),
        id="block-accents-decomposed",
    ),
    row(zone(), "bаdword", refused((E.BLOCKED_WORD, 0)), id="block-cyrillic-a"),
    row(zone(), "bαdwοrd", refused((E.BLOCKED_WORD, 0)), id="block-greek-alpha-omicron"),
    row(zone(), "b4dw0rd", refused((E.BLOCKED_WORD, 0)), id="block-digits"),
    row(zone(), "b@dword", refused((E.BLOCKED_WORD, 0)), id="block-at-sign"),
    row(zone(), "2007 badw0rd", refused((E.BLOCKED_WORD, 5)), id="block-digits-second-word"),
    # a kept joiner inside a word must not split it past the list (the spec's words are runs of
    # letters, digits and marks; a ZWNJ after a base is kept, so it has to belong to the word)
    row(zone(), "bad\u200cword", refused((E.BLOCKED_WORD, 0)), id="block-zwnj-inside"),
    row(zone(), "baaadword", refused((E.BLOCKED_WORD, 0)), id="block-repeats"),
    row(zone(), "mybadwordish", ok("mybadwordish", 12), id="block-whole-words-only"),
    row(
        zone(), "mybadwordish",
        ok("mybadwordish", 12), words=EXCEPTION, id="block-allowed-exception",
    ),
    row(
        zone(), "MyBádWordIsh",
        ok("MyBádWordIsh", 12), words=EXCEPTION, id="block-allowed-exception-by-skeleton",
    ),
    row(
        zone(), "mybadwordish badword",
        refused((E.BLOCKED_WORD, 13)), words=EXCEPTION, id="block-allowed-not-other-words",
    ),
    row(zone(), "bad word", ok("bad word", 8), id="block-two-words-fine"),
    row(zone(block_list=False), "badword", ok("badword", 7), id="block-list-off"),
    # very long input
    row(
        zone(max_length=20), LONG, refused((E.TOO_LONG, 20), value=LONG, length=10_000),
        id="10000-letters",
    ),
    # empty and whitespace-only input in a required zone
    row(zone(), "", refused((E.REQUIRED, None), value="", length=0), id="empty"),
    row(zone(), "   ", refused((E.REQUIRED, None), value="", length=0), id="spaces"),
    row(
        zone(), "\u00a0\u3000 ", refused((E.REQUIRED, None), value="", length=0),
        id="unicode-white-space",
    ),
    row(zone(), "  Ada  ", ok("Ada", 3), id="trimmed"),
    # unpaired surrogates: never stripped
    row(zone(), "\ud800", refused((E.UNPAIRED_SURROGATE, 0)), id="surrogate-alone"),
    row(zone(), "ab\udc00", refused((E.UNPAIRED_SURROGATE, 2)), id="surrogate-low"),
    row(zone(), "a\ud83d", refused((E.UNPAIRED_SURROGATE, 1)), id="surrogate-half-emoji"),
    # font, colour and size choice
    row(
        zone(), ZoneInput(text="Ada", font_id="dejavu-serif"),
        refused((E.FONT_NOT_ALLOWED, None)), id="font-not-in-zone",
    ),
    row(
        zone(), ZoneInput(text="Ada", font_id="comic-sans"),
        refused((E.FONT_NOT_ALLOWED, None)), id="font-unknown",
    ),
    row(
        zone(geometry=BOTH_FONTS), ZoneInput(text="Ada", font_id="dejavu-serif"),
        ok("Ada", 3, font_id="dejavu-serif"), id="font-second-option",
    ),
    row(
        zone(geometry=RED_OR_BLACK), ZoneInput(text="Ada", colour="#ff0000"),
        ok("Ada", 3, colour="#FF0000"), id="colour-case-insensitive",
    ),
    row(
        zone(geometry=RED_OR_BLACK), ZoneInput(text="Ada", colour="#00ff00"),
        refused((E.COLOUR_NOT_ALLOWED, None)), id="colour-not-allowed",
    ),
    row(
        zone(), ZoneInput(text="Ada", size_mm=9), refused((E.SIZE_OUT_OF_RANGE, None)),
        id="size-above-range",
    ),
    row(
        zone(), ZoneInput(text="Ada", size_mm=1.5), refused((E.SIZE_OUT_OF_RANGE, None)),
        id="size-below-range",
    ),
    row(
        zone(), ZoneInput(text="Ada", size_mm=2), ok("Ada", 3, size_mm=2.0), id="size-at-min",
    ),
    row(
        zone(geometry=NARROW), ZoneInput(text="Ada Lovelace", size_mm=8),
        refused((E.DOES_NOT_FIT, SOMEWHERE), value="Ada Lovelace", length=12),
        id="too-wide-at-size",
    ),
    row(
        zone(geometry=TINY, max_length=60), LOREM,
        refused((E.DOES_NOT_FIT, SOMEWHERE), value=LOREM, length=len(LOREM)),
        id="autofit-impossible",
    ),
    row(
        zone(geometry=TINY), "Ada Lovelace",
        ok("Ada Lovelace", 12, size_mm=autofitted("Ada Lovelace", 20, 5)), id="autofit-shrinks",
    ),
    row(
        zone(geometry={"width_mm": 24, "height_mm": 9, "safe_mm": 2}), "Ada Lovelace",
        ok("Ada Lovelace", 12, size_mm=autofitted("Ada Lovelace", 20, 5)), id="autofit-safe-area",
    ),
]


def error_codes(errors: list[Any]) -> Counter[tuple[ErrorCode, int | None]]:
    """The specification fixes each error's code and position, not the order of the list."""
    return Counter((e.code, SOMEWHERE if e.code in UNPLACED else e.position) for e in errors)


def check_zone(result: ZoneResult, expected: Outcome) -> None:
    assert error_codes(result.errors) == Counter(expected.errors)
    assert all(e.field == result.zone and e.message for e in result.errors)
    assert [(r.position, r.character) for r in result.removed] == list(expected.removed)
    if expected.value is not None:
        assert result.value == expected.value
    if expected.length is not None:
        assert result.length == expected.length


def validate(
    zones: list[TextZone], values: Mapping[str, ZoneInput | str], words: WordList = WORDS
) -> ValidationResult:
    return rules.validate_design(PRODUCT, 1, zones, values, FONTS, words)


@pytest.mark.parametrize(("the_zone", "typed", "words", "expected"), ROWS)
def test_hard_input(
    the_zone: TextZone, typed: ZoneInput | str, words: WordList, expected: Outcome
) -> None:
    result = validate([the_zone], {the_zone.key: typed}, words)
    (zone_result,) = result.zones
    assert zone_result.zone == the_zone.key and result.errors == []
    check_zone(zone_result, expected)
    assert result.valid is (not expected.errors)
    if expected.errors:
        assert result.design is None
        measured = all(code == E.DOES_NOT_FIT for code, _ in expected.errors)
        assert zone_result.fits is (False if measured else None)  # no fit after another error
        return
    assert (zone_result.lines, zone_result.size_mm, zone_result.fits) == (
        expected.lines, expected.size_mm, True,
    )
    assert (zone_result.font_id, zone_result.colour) == (expected.font_id, expected.colour)
    assert result.design is not None
    (spec_zone,) = result.design.zones
    assert (spec_zone.text, spec_zone.size_mm, spec_zone.colour) == (
        expected.value, expected.size_mm, expected.colour,
    )
    assert spec_zone.font == FontRef(id=expected.font_id, sha256=FONTS[expected.font_id])


# --- the glyphs an emoji lacks, named by code point ----------------------------------------


@pytest.mark.parametrize(
    ("typed", "at"),
    [
        pytest.param(FAMILY, 0, id="family"),
        pytest.param(THUMBS_MEDIUM, 0, id="skin-tone"),
        pytest.param("Hi " + THUMBS_MEDIUM, 3, id="skin-tone-after-text"),
        pytest.param("中", 0, id="cjk"),
    ],
)
def test_glyph_missing_names_exactly_the_code_points_the_cmap_lacks(typed: str, at: int) -> None:
    (zone_result,) = validate([zone(**SYMBOLS)], {"name": typed}).zones
    missing = [e for e in zone_result.errors if e.code == E.GLYPH_MISSING]
    assert lacking(typed), "the row needs a character DejaVu Sans lacks"
    assert sorted(_code_point_named(e.message) for e in missing) == sorted(lacking(typed))
    assert {e.position for e in missing} == {at}
    assert all(e.message.startswith('The font DejaVu Sans cannot draw "') for e in missing)


def _code_point_named(message: str) -> str:
    start = message.index("(U+") + 1
    return message[start : message.index(" ", start)]


def test_glyph_missing_message_names_the_character() -> None:
    (zone_result,) = validate([zone(**LETTERS)], {"name": "中"}).zones
    assert zone_result.errors[0].message.startswith(
        'The font DejaVu Sans cannot draw "中" (U+4E2D CJK UNIFIED IDEOGRAPH-4E2D'
    )


# --- messages that must be exact -----------------------------------------------------------


@pytest.mark.parametrize(
    ("the_zone", "typed", "message"),
    [
        pytest.param(
            zone(), "5\u20ac", 'The character "€" (U+20AC EURO SIGN) is not allowed in Name.',
            id="character-not-allowed",
        ),
        pytest.param(
            zone(), "so bаdword", "This text contains a word that is not allowed.",
            id="blocked-word",
        ),
    ],
)
def test_exact_message(the_zone: TextZone, typed: str, message: str) -> None:
    (zone_result,) = validate([the_zone], {"name": typed}).zones
    assert [e.message for e in zone_result.errors] == [message]


def test_autofit_impossible_names_the_smallest_size() -> None:
    (zone_result,) = validate([zone(geometry=TINY, max_length=60)], {"name": LOREM}).zones
    (error,) = zone_result.errors
    assert error.message.endswith("does not fit even at the smallest size, 2.0 mm.")


# --- the same design, however it was typed, has the same spec hash -------------------------


def spec_hash(design: DesignSpec) -> str:
    """As the spec service computes it: SHA-256 of the RFC 8785 canonical JSON."""
    return hashlib.sha256(rfc8785.dumps(design.model_dump(mode="json"))).hexdigest()


@pytest.mark.parametrize(
    ("the_zone", "one", "other"),
    [
        pytest.param(zone(), "Zo\u00eb", "Zoe\u0308", id="composed-decomposed"),
        pytest.param(zone(), "Zo\u00eb", ZoneInput(text="Zoe\u0308"), id="string-or-zone-input"),
        pytest.param(zone(), "Zo\u00eb", " Zo\u200b\u00eb ", id="trimmed-and-stripped"),
        pytest.param(zone(**TWO_LINES), "a\nb", "a\r\nb", id="line-ending"),
        pytest.param(
            zone(geometry=RED_OR_BLACK), ZoneInput(text="Ada", colour="#ff0000"),
            ZoneInput(text="Ada", colour="#FF0000"), id="colour-case",
        ),
    ],
)
def test_equivalent_inputs_give_the_same_spec_hash(
    the_zone: TextZone, one: ZoneInput | str, other: ZoneInput | str
) -> None:
    first, second = validate([the_zone], {"name": one}), validate([the_zone], {"name": other})
    assert first.design is not None and second.design is not None
    assert first.zones[0].length == second.zones[0].length
    assert first.design == second.design
    assert spec_hash(first.design) == spec_hash(second.design)


def test_a_different_text_gives_a_different_spec_hash() -> None:
    first, second = validate([zone()], {"name": "Zoë"}), validate([zone()], {"name": "Zoe"})
    assert first.design is not None and second.design is not None
    assert spec_hash(first.design) != spec_hash(second.design)


def test_the_design_carries_every_resolved_field() -> None:
    the_zone = TextZone(
        key="name", label="Name", width_mm=60, height_mm=14, bleed_mm=1, safe_mm=2,
        layer="print", align="start", line_height=1.5, colours=["#112233", "#FF0000"],
        fonts=[
            FontOption(font_id="dejavu-serif", min_size_mm=3, max_size_mm=6),
            FontOption(font_id="dejavu-sans", min_size_mm=2, max_size_mm=8),
        ],
        rules=TextRules(max_length=20, max_lines=2),
    )
    result = rules.validate_design(PRODUCT, 4, [the_zone], {"name": "Zoe\u0308"}, FONTS, WORDS)
    assert result.design == DesignSpec(
        spec_version=2, product_id=PRODUCT, template_version=4,
        views=[SpecView(key="front", width_mm=60, height_mm=14)],
        zones=[
            PlacedSpecZone(
                key="name", text="Zo\u00eb", layer="print", width_mm=60, height_mm=14,
                bleed_mm=1, safe_mm=2, size_mm=6.0,
                font=FontRef(id="dejavu-serif", sha256=FONTS["dejavu-serif"]),
                colour="#112233", align="start", line_height=1.5, max_lines=2,
                view="front", x_mm=30, y_mm=7, rotation_deg=0,
            )
        ],
    )


# --- several zones -------------------------------------------------------------------------


def two_zones() -> list[TextZone]:
    return [zone("name", "Name"), zone("note", "Note", required=False)]


def test_an_empty_optional_zone_is_left_out_of_the_design() -> None:
    result = validate(two_zones(), {"note": "   ", "name": "Ada"})
    assert result.valid and result.errors == []
    assert [(z.zone, z.value, z.length, z.errors) for z in result.zones] == [
        ("name", "Ada", 3, []), ("note", "", 0, []),
    ]
    assert result.design is not None
    assert [z.key for z in result.design.zones] == ["name"]


def test_zones_come_in_template_order_whatever_the_order_of_the_values() -> None:
    result = validate(two_zones(), {"note": "Hi", "name": "Ada"})
    assert result.design is not None
    assert [(z.key, z.text) for z in result.design.zones] == [("name", "Ada"), ("note", "Hi")]


def test_a_required_zone_without_a_value_is_required() -> None:
    result = validate(two_zones(), {"note": "Hi"})
    assert not result.valid and result.design is None
    assert error_codes(result.zones[0].errors) == Counter({(E.REQUIRED, None): 1})


@pytest.mark.parametrize(
    "values", [pytest.param({}, id="nothing"), pytest.param({"note": " "}, id="blank")]
)
def test_every_optional_zone_empty_is_required(values: dict[str, str]) -> None:
    zones = [zone("name", "Name", required=False), zone("note", "Note", required=False)]
    result = validate(zones, values)
    assert not result.valid and result.design is None
    assert [(e.field, e.code) for e in result.errors] == [("values", E.REQUIRED)]


def test_an_unknown_zone_key_is_a_top_level_error() -> None:
    result = validate(two_zones(), {"name": "Ada", "nickname": "Addy"})
    assert not result.valid and result.design is None
    assert [(e.field, e.code) for e in result.errors] == [("nickname", E.UNKNOWN_ZONE)]
    assert [z.zone for z in result.zones] == ["name", "note"]
    assert all(z.errors == [] for z in result.zones)


# --- normalization only: no glyphs, no fit, no design --------------------------------------


@pytest.mark.parametrize(
    ("the_zone", "typed", "expected"),
    [
        pytest.param(zone(**SYMBOLS), FAMILY, Outcome(value=FAMILY, length=1), id="family-zwj"),
        pytest.param(
            zone(**SYMBOLS, **REJECT), FAMILY, Outcome(value=FAMILY, length=1),
            id="family-zwj-reject",
        ),
        pytest.param(zone(**LETTERS), "中", Outcome(value="中", length=1), id="no-glyph-check"),
        pytest.param(zone(), "Zoe\u0308", Outcome(value="Zo\u00eb", length=3), id="nfc"),
        pytest.param(
            zone(), "\u200dAn\u200bna",
            Outcome(value="Anna", length=4, removed=((0, ZWJ), (3, ZWSP))),
            id="strip",
        ),
        pytest.param(zone(), "abc\u202edef", refused((E.BIDI_CONTROL, 3)), id="bidi"),
        pytest.param(zone(), "a\nb", refused((E.TOO_MANY_LINES, 2)), id="lines"),
        pytest.param(zone(), "\ud800", refused((E.UNPAIRED_SURROGATE, 0)), id="surrogate"),
    ],
)
def test_normalize(the_zone: TextZone, typed: str, expected: Outcome) -> None:
    result = rules.normalize_design([the_zone], {the_zone.key: typed})
    (zone_result,) = result.zones
    check_zone(zone_result, expected)
    assert result.valid is (not expected.errors) and result.design is None


def test_autofit_design_reports_the_fitted_size_and_no_design() -> None:
    result = rules.autofit_design([zone(geometry=TINY)], {"name": "Ada Lovelace"}, FONTS)
    (zone_result,) = result.zones
    assert (zone_result.size_mm, zone_result.fits) == (autofitted("Ada Lovelace", 20, 5), True)
    assert result.design is None
