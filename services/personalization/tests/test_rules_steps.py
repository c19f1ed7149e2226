"""The rules engine step by step (pure: no database, no bus). Positions are grapheme indices in
the text as typed, before anything was removed."""

import hashlib
import unicodedata
from typing import Any

import pytest

from atelier.contracts import ErrorCode
from atelier.contracts.personalization import (
    TextZone,
    ValidationResult,
    WordList,
    ZoneInput,
    ZoneResult,
)
from atelier.personalization.rules import autofit_design, normalize_design, validate_design
from atelier.typeset import Box, TextStyle, autofit, layout
from atelier.typeset.fonts import SHIPPED

FONTS = {
    font_id: hashlib.sha256(font.path.read_bytes()).hexdigest() for font_id, font in SHIPPED.items()
}
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl
THUMBS_UP_MEDIUM = "\U0001f44d\U0001f3fd"  # with a skin-tone modifier DejaVu lacks
NO_WORDS = WordList()


def a_zone(key: str = "name", **rules: Any) -> TextZone:
    """A 60 × 12 mm zone in DejaVu Sans (2 to 8 mm) or DejaVu Serif, black or red."""
    zone = rules.pop("zone", {})
    return TextZone.model_validate(
        {
            "key": key,
            "label": key.capitalize(),
            "width_mm": 60,
            "height_mm": 12,
            "fonts": [
                {"font_id": "dejavu-sans", "min_size_mm": 2, "max_size_mm": 8},
                {"font_id": "dejavu-serif", "min_size_mm": 3, "max_size_mm": 6},
            ],
            "colours": ["#000000", "#aa0000"],
            "rules": {"max_length": 20, **rules},
            **zone,
        }
    )


def normalized(typed: str, **rules: Any) -> ZoneResult:
    return normalize_design([a_zone(**rules)], {"name": typed}).zones[0]


def validated(value: str | ZoneInput, words: WordList = NO_WORDS, **rules: Any) -> ZoneResult:
    return validate_design("p-1", 1, [a_zone(**rules)], {"name": value}, FONTS, words).zones[0]


def codes(result: ZoneResult | ValidationResult) -> list[tuple[str, int | None]]:
    return [(error.code.value, error.position) for error in result.errors]


# --- step 1: unpaired surrogates -----------------------------------------------------------------
def test_an_unpaired_surrogate_stops_the_zone_and_is_never_stripped() -> None:
    result = validate_design("p-1", 1, [a_zone()], {"name": "€a\ud800b"}, FONTS, NO_WORDS)
    zone = result.zones[0]
    assert codes(zone) == [("unpaired_surrogate", 2)]  # no character_not_allowed for the "€"
    assert zone.value == "€a\ufffdb" and zone.length == 4
    assert not result.valid and result.design is None
    assert "U+D800" in zone.errors[0].message
    result.model_dump_json()  # the reply can be sent


def test_each_surrogate_code_point_is_reported() -> None:
    assert codes(normalized("\ud83d\ude00x")) == [
        ("unpaired_surrogate", 0),
        ("unpaired_surrogate", 1),
    ]


# --- step 2: line breaks and NFC -----------------------------------------------------------------
def test_every_line_break_becomes_a_newline() -> None:
    result = normalized("a\r\nb\rc\u2028d\u2029e", max_lines=5)
    assert result.value == "a\nb\nc\nd\ne"
    assert (result.length, result.lines, result.errors) == (5, 5, [])


def test_composed_and_decomposed_accents_are_the_same_value_and_length() -> None:
    composed, decomposed = normalized("Zo\u00e9"), normalized("Zoe\u0301")
    assert composed.value == decomposed.value == "Zo\u00e9"
    assert composed.length == decomposed.length == 3


# --- step 3: the character policy ----------------------------------------------------------------
@pytest.mark.parametrize("policy", ["strip", "reject"])
@pytest.mark.parametrize("char", ["\u202a", "\u202e", "\u2066", "\u2069"])
def test_bidi_controls_are_refused_whatever_the_policy(policy: str, char: str) -> None:
    result = normalized(f"ab{char}c", invisible=policy)
    assert codes(result) == [("bidi_control", 2)]
    assert result.value == f"ab{char}c" and result.removed == []


@pytest.mark.parametrize("char", ["\t", "\x00", "\x1b", "\x7f", "\x85", "\x0b"])
def test_controls_are_refused_but_a_newline_is_a_line_break(char: str) -> None:
    result = normalized(f"a{char}b", max_lines=2)
    assert codes(result) == [("control_character", 1)]
    assert normalized("a\nb", max_lines=2).errors == []


def test_tab_is_named_in_the_message() -> None:
    assert normalized("a\tb").errors[0].message == (
        "Name cannot contain the control character U+0009 CHARACTER TABULATION: remove it."
    )


def test_strip_removes_invisible_characters_and_lists_them_at_their_input_position() -> None:
    result = normalized("A\u200bB\u00adC\ufeffD\u2060E\u200eF\u2063G\ufff9")
    assert result.value == "ABCDEFG" and result.length == 7 and result.errors == []
    assert [(r.position, r.character) for r in result.removed] == [
        (1, "U+200B ZERO WIDTH SPACE"),
        (3, "U+00AD SOFT HYPHEN"),
        (5, "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        (7, "U+2060 WORD JOINER"),
        (9, "U+200E LEFT-TO-RIGHT MARK"),
        (11, "U+2063 INVISIBLE SEPARATOR"),
        (13, "U+FFF9 INTERLINEAR ANNOTATION ANCHOR"),
    ]


def test_reject_refuses_invisible_characters_and_keeps_them_in_the_value() -> None:
    result = normalized("A\u200bB\u061c", invisible="reject")
    assert codes(result) == [("invisible_character", 1), ("invisible_character", 3)]
    assert result.value == "A\u200bB\u061c" and result.removed == []
    assert result.errors[0].message == (
        "Name cannot contain the invisible character U+200B ZERO WIDTH SPACE: remove it."
    )


def test_joiners_inside_a_cluster_are_kept() -> None:
    family = normalized(FAMILY, allowed_classes=["symbols"])
    assert family.value == FAMILY and family.length == 1 and family.removed == []
    persian = normalized("می\u200cخواهم")  # ZWNJ keeps "می" from joining "خواهم"
    assert persian.value == "می\u200cخواهم" and persian.errors == [] and persian.length == 7


@pytest.mark.parametrize(
    ("typed", "value", "positions"),
    [
        ("\u200dAda", "Ada", [0]),  # first thing in the text
        ("Ada\n\u200cBo", "Ada\nBo", [4]),  # first thing on a line
        ("Ada \u200dBo", "Ada Bo", [3]),  # after white space: nothing to join
    ],
)
def test_a_leading_joiner_is_invisible(typed: str, value: str, positions: list[int]) -> None:
    stripped = normalized(typed, max_lines=2)
    assert stripped.value == value and [r.position for r in stripped.removed] == positions
    rejected = normalized(typed, max_lines=2, invisible="reject")
    assert codes(rejected) == [("invisible_character", p) for p in positions]


def test_a_mark_brought_next_to_its_base_by_a_removal_composes() -> None:
    result = normalized("a\u200b\u0301")
    assert result.value == "\u00e1" and result.length == 1
    assert [r.position for r in result.removed] == [1]


def test_white_space_around_the_value_is_trimmed_and_not_listed() -> None:
    result = normalized(" \u00a0\u3000Ada Lovelace \n", max_lines=2)
    assert result.value == "Ada Lovelace" and result.removed == [] and result.lines == 1


# --- step 4: lines, length, characters -----------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "max_lines", "position"),
    [("a\nb", 1, 2), ("a\n\nb", 1, 2), ("ab\ncd\nef", 2, 6), ("a\r\nb\r\nc", 2, 4)],
)
def test_too_many_lines_points_at_the_first_extra_line(
    typed: str, max_lines: int, position: int
) -> None:
    result = normalized(typed, max_lines=max_lines)
    assert codes(result) == [("too_many_lines", position)]


def test_lines_within_the_limit_and_newlines_do_not_count_in_the_length() -> None:
    result = normalized("Ada\nLovelace", max_lines=2, max_length=11)
    assert (result.lines, result.length, result.errors) == (2, 11, [])
    one = normalized("a\nb")
    assert one.errors[0].message == "Name takes at most 1 line; this text has 2."


@pytest.mark.parametrize("typed", ["", "   ", "\u00a0", "\n\n", "\u200b", " \u200d "])
def test_a_required_zone_empty_after_trimming(typed: str) -> None:
    result = normalized(typed)
    assert codes(result) == [("required", None)] and result.value == ""
    assert result.errors[0].message == "Name is required: enter some text."


def test_an_empty_optional_zone_is_no_error() -> None:
    result = normalize_design(
        [a_zone(), a_zone("note", required=False)], {"name": "Ada", "note": "  "}
    )
    assert result.valid and result.zones[1].errors == [] and result.zones[1].value == ""


def test_too_long_points_at_the_first_grapheme_past_the_limit_in_the_input() -> None:
    result = normalized("\u200bZoe\u0301\u200be\u0301", max_length=3)
    assert result.length == 4
    assert codes(result) == [("too_long", 5)]  # the second "é", after two stripped ZWSP
    assert result.errors[0].message == "Name takes at most 3 characters; this text has 4."
    emoji = normalized("Ze\u0301" + FAMILY, max_length=3, allowed_classes=["letters", "symbols"])
    assert emoji.errors == []  # 7 code points, 3 graphemes


def test_each_character_not_allowed_is_named_at_its_grapheme() -> None:
    result = normalized("5\u20ac a\u20ac")
    assert codes(result) == [("character_not_allowed", 1), ("character_not_allowed", 4)]
    assert result.errors[0].message == (
        'The character "€" (U+20AC EURO SIGN) is not allowed in Name.'
    )


def test_a_cluster_is_judged_by_its_first_code_point() -> None:
    result = normalized("A" + FAMILY + THUMBS_UP_MEDIUM)
    assert codes(result) == [("character_not_allowed", 1), ("character_not_allowed", 2)]
    assert result.errors[0].message == (
        f'The character "{FAMILY}" (U+1F468 MAN) is not allowed in Name.'
    )
    assert normalized("q\u0301", allowed_classes=["letters"]).errors == []  # no composed form


def test_character_classes_follow_unicode_categories() -> None:
    assert normalized("0123٣", allowed_classes=["digits"]).errors == []  # Arabic-Indic 3 is Nd
    assert codes(normalized("½", allowed_classes=["digits"])) == [("character_not_allowed", 0)]
    assert codes(normalized("1 2", allowed_classes=["digits"])) == [("character_not_allowed", 1)]
    assert normalized("!?«»-", allowed_classes=["punctuation"]).errors == []
    assert normalized("€+©", allowed_classes=["symbols"]).errors == []
    no_break = normalized("a\u00a0b", allowed_classes=["letters", "space"])
    assert no_break.errors[0].message == (
        "The character U+00A0 NO-BREAK SPACE is not allowed in Name."
    )


def test_allowed_extra_admits_characters_outside_the_classes() -> None:
    assert normalized("A&B€", allowed_classes=["letters"], allowed_extra="&€").errors == []
    assert codes(normalized("A$", allowed_classes=["letters"], allowed_extra="&")) == [
        ("character_not_allowed", 1)
    ]


def test_refused_controls_are_not_reported_twice() -> None:
    result = normalized("a\u200bb", invisible="reject", allowed_classes=["letters"])
    assert codes(result) == [("invisible_character", 1)]


# --- step 5: font, colour, size ------------------------------------------------------------------
def test_defaults_are_the_first_font_and_colour() -> None:
    result = validated("Ada")
    assert (result.font_id, result.colour, result.fits) == ("dejavu-sans", "#000000", True)


def test_colour_is_compared_case_insensitively_and_returned_upper_case() -> None:
    result = validated(ZoneInput(text="Ada", colour="#AA0000", font_id="dejavu-serif"))
    assert result.errors == [] and (result.font_id, result.colour) == ("dejavu-serif", "#AA0000")


def test_a_font_colour_or_size_the_zone_does_not_offer() -> None:
    font = validated(ZoneInput(text="Ada", font_id="comic-sans"))
    assert codes(font) == [("font_not_allowed", None)] and font.fits is None
    assert font.errors[0].message == (
        'The font "comic-sans" is not available for Name; choose one of: dejavu-sans, dejavu-serif.'
    )
    assert codes(validated(ZoneInput(text="Ada", colour="#123456"))) == [
        ("colour_not_allowed", None)
    ]
    serif = ZoneInput(text="Ada", font_id="dejavu-serif", size_mm=7)  # serif: 3 to 6 mm
    assert codes(validated(serif)) == [("size_out_of_range", None)]


def test_a_zone_font_missing_from_the_fonts_given_is_not_allowed() -> None:
    only_serif = {"dejavu-serif": FONTS["dejavu-serif"]}
    result = autofit_design([a_zone()], {"name": "Ada"}, only_serif).zones[0]
    assert codes(result) == [("font_not_allowed", None)]
    assert "choose one of: dejavu-serif." in result.errors[0].message


# --- step 6: glyph coverage ----------------------------------------------------------------------
def test_a_character_the_font_cannot_draw_is_refused_at_its_position() -> None:
    result = validated("\u200bAda 中", allowed_extra="中")
    assert codes(result) == [("glyph_missing", 5)]
    assert result.errors[0].message == (
        'The font DejaVu Sans cannot draw "中" (U+4E2D CJK UNIFIED IDEOGRAPH-4E2D).'
    )


def test_an_emoji_with_a_skin_tone_the_font_lacks_is_never_printed_as_a_box() -> None:
    result = validated("Hi " + THUMBS_UP_MEDIUM, allowed_classes=["letters", "space", "symbols"])
    assert codes(result) == [("glyph_missing", 3), ("glyph_missing", 3)]


def test_arabic_and_hebrew_are_drawn_and_measured() -> None:
    for text in ("مرحبا بالعالم", "שלום עולם"):
        result = validated(text)
        assert result.errors == [] and result.fits is True and result.size_mm is not None


# --- step 7: the block-list ----------------------------------------------------------------------
BLOCKED = WordList(blocked=["shit", "Ass Hat"], allowed=["Scunthorpe"])


@pytest.mark.parametrize(
    "typed",
    ["shit", "SHIT", "Shït", "ѕһіt", "sh1t", "5h1t", "shiiiit", "ASS, HAT", "sh\u200cit"],
)
def test_blocked_words_are_found_whatever_their_disguise(typed: str) -> None:
    result = validated(f"Hello {typed}", BLOCKED)
    assert codes(result) == [("blocked_word", 6)]
    assert result.errors[0].message == "This text contains a word that is not allowed."


def test_allowed_words_and_innocent_words_pass() -> None:
    words = WordList(blocked=["*cunt*", "io"], allowed=["scunthorpe"])
    assert validated("Scunthorpe", words).errors == []
    assert validated("Hello bullshit", BLOCKED).errors == []  # whole words only
    assert codes(validated("Scunthorpes", words)) == [("blocked_word", 0)]
    assert validated("10", words, allowed_classes=["digits"]).errors == []  # digits alone: no map
    assert codes(validated("Hi I0", words)) == [("blocked_word", 3)]


def test_the_block_list_is_skipped_when_the_zone_says_so_and_outside_validate() -> None:
    assert validated("shit", BLOCKED, block_list=False).errors == []
    assert normalize_design([a_zone()], {"name": "shit"}).valid
    assert autofit_design([a_zone()], {"name": "shit"}, FONTS).valid


# --- step 8: measured fit and auto-fit -----------------------------------------------------------
def test_auto_fit_picks_the_largest_size_on_the_grid_that_fits() -> None:
    result = validated("Ada Lovelace, Countess of Lovelace", max_length=40)
    expected = autofit(
        "Ada Lovelace, Countess of Lovelace",
        TextStyle("dejavu-sans", 2.0, align="center"),
        Box(60, 12),
        2.0,
        8.0,
        0.1,
        1,
    )
    assert expected is not None and result.size_mm == round(expected, 1) and result.fits is True
    assert result.size_mm < 8


def test_auto_fit_measures_the_safe_area() -> None:
    wide = validated("Lovelace").size_mm
    inset = validated("Lovelace", zone={"safe_mm": 2}).size_mm
    assert wide is not None and inset is not None and inset < wide


def test_text_that_does_not_fit_even_at_the_smallest_size() -> None:
    result = validated("\u200b" + "W" * 40, max_length=50)
    smallest = layout("W" * 40, TextStyle("dejavu-sans", 2, align="center"), Box(60, 12), 1)
    second_line = smallest.lines[1].start
    # where the one allowed line overflows, in the input (after the removed ZWSP)
    assert codes(result) == [("does_not_fit", second_line + 1)]
    assert result.errors[0].message == (
        "The text in Name does not fit even at the smallest size, 2.0 mm."
    )
    assert (result.fits, result.size_mm) == (False, None)


def test_a_chosen_size_that_does_not_fit_says_why() -> None:
    narrow = {"width_mm": 30}
    result = validated(ZoneInput(text="Ada Lovelace", size_mm=5), zone=narrow)
    assert codes(result) == [("does_not_fit", 4)]  # "Lovelace" goes to a second line
    assert result.errors[0].message == (
        "The text in Name does not fit at 5.0 mm: too many lines (at most 1)."
    )
    assert (result.fits, result.size_mm) == (False, 5)
    wide = validated(ZoneInput(text="W", size_mm=8), zone={"width_mm": 5})
    assert wide.errors[0].message == "The text in Name does not fit at 8.0 mm: too wide."
    fitting = validated(ZoneInput(text="Ada", size_mm=5.5))
    assert (fitting.errors, fitting.fits, fitting.size_mm) == ([], True, 5.5)


def test_a_chosen_size_on_several_lines_can_be_too_tall() -> None:
    text = ZoneInput(text="Ada\nBo\nCy", size_mm=5)
    result = validated(text, max_lines=3)
    assert result.errors[0].message.endswith(": too tall.")
    laid = layout("Ada\nBo\nCy", TextStyle("dejavu-sans", 5, align="center"), Box(60, 12), 3)
    assert laid.too_tall and not laid.too_wide
    assert result.errors[0].position == 7  # the third line starts below the box


def test_fit_is_not_measured_when_an_earlier_step_failed() -> None:
    result = validated("Ada€")
    assert codes(result) == [("character_not_allowed", 3)]
    assert (result.fits, result.size_mm) == (None, None)


# --- the design ----------------------------------------------------------------------------------
def test_a_valid_design_is_resolved_in_template_order() -> None:
    zones = [
        a_zone(),
        a_zone("note", required=False),
        a_zone("date", allowed_classes=["digits", "punctuation"], zone={"safe_mm": 1}),
    ]
    values = {
        "date": "1.2.1815",
        "name": ZoneInput(text=" Zoe\u0301 ", font_id="dejavu-serif", colour="#aa0000"),
    }
    result = validate_design("p-1", 3, zones, values, FONTS, NO_WORDS)
    assert result.valid and result.errors == [] and result.design is not None
    assert [z.zone for z in result.zones] == ["name", "note", "date"]
    assert (result.design.product_id, result.design.template_version) == ("p-1", 3)
    name, date = result.design.zones  # the empty optional zone is left out
    assert (name.key, name.text, name.font.id, name.font.sha256, name.colour) == (
        "name", "Zo\u00e9", "dejavu-serif", FONTS["dejavu-serif"], "#AA0000",
    )  # fmt: skip
    assert name.size_mm == result.zones[0].size_mm == 6.0  # serif's maximum
    assert (date.text, date.safe_mm, date.max_lines, date.align) == ("1.2.1815", 1, 1, "center")
    assert (date.width_mm, date.height_mm, date.layer, date.line_height) == (60, 12, "engrave", 1.2)


def test_composed_and_decomposed_input_give_the_same_design() -> None:
    def design(text: str) -> object:
        return validate_design("p-1", 1, [a_zone()], {"name": text}, FONTS, NO_WORDS).design

    assert design("Zo\u00e9 Andr\u00e9") == design("Zoe\u0301 Andre\u0301") is not None


def test_normalize_and_autofit_never_resolve_a_design() -> None:
    assert normalize_design([a_zone()], {"name": "Ada"}).design is None
    autofitted = autofit_design([a_zone()], {"name": "Ada"}, FONTS)
    assert autofitted.valid and autofitted.design is None
    assert autofitted.zones[0].size_mm == 8.0 and autofitted.zones[0].fits is True
    plain = normalize_design([a_zone()], {"name": "Ada"}).zones[0]
    assert (plain.font_id, plain.size_mm, plain.fits) == (None, None, None)


def test_unknown_zone_keys_are_reported() -> None:
    result = validate_design(
        "p-1", 1, [a_zone()], {"name": "Ada", "colour": "red"}, FONTS, NO_WORDS
    )
    assert not result.valid and result.design is None and result.zones[0].errors == []
    assert [(e.field, e.code) for e in result.errors] == [("colour", ErrorCode.UNKNOWN_ZONE)]
    assert result.errors[0].message == 'This product has no zone "colour"; its zones are: name.'


def test_a_design_with_every_optional_zone_empty_is_refused() -> None:
    zones = [a_zone(required=False), a_zone("note", required=False)]
    result = validate_design("p-1", 1, zones, {"name": " "}, FONTS, NO_WORDS)
    assert not result.valid
    assert [(e.field, e.code, e.position) for e in result.errors] == [
        ("values", ErrorCode.REQUIRED, None)
    ]


def test_a_required_zone_left_out_of_the_values_is_required() -> None:
    result = validate_design("p-1", 1, [a_zone()], {}, FONTS, NO_WORDS)
    assert codes(result.zones[0]) == [("required", None)] and result.errors == []


def test_a_plain_string_is_a_zone_input_and_may_be_very_long() -> None:
    long = "a" * 20_000  # beyond ZoneInput's own limit: the rules report it, they do not crash
    assert codes(normalized(long)) == [("too_long", 20)]
    assert validated("Ada") == validated(ZoneInput(text="Ada"))
    assert unicodedata.is_normalized("NFC", normalized("Zoe\u0301").value)


def test_a_word_list_is_read_once_per_fetched_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from atelier.personalization.rules import blocklist

    read: list[list[str]] = []
    original = blocklist.compile_rules

    def counting(words):  # type: ignore[no-untyped-def]
        read.append(list(words.blocked))
        return original(words)

    monkeypatch.setattr(blocklist, "compile_rules", counting)
    zone = a_zone("title")
    words = WordList(blocked=[f"word{i}" for i in range(4999)] + ["darn"])
    for n in range(3):  # three keystrokes: three new values, one list
        assert validate_design("p", 1, [zone], {"title": f"Our day {n}"}, FONTS, words).valid
    assert len(read) == 1
    refetched = WordList(blocked=["day"])  # the brand changed its list: the new one applies
    result = validate_design("p", 1, [zone], {"title": "Our day 9"}, FONTS, refetched)
    assert [e.code for e in result.zones[0].errors] == [ErrorCode.BLOCKED_WORD]
    assert read[1] == ["day"]
