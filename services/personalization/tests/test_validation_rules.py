"""The rules of shopper input, as pure functions (no database, no bus)."""

import unicodedata

from atelier.contracts import ErrorCode
from atelier.contracts.personalization import CharacterClass, TextZone
from atelier.personalization import domain

FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"  # man ZWJ woman ZWJ girl


def a_zone(**overrides: object) -> TextZone:
    values: dict[str, object] = {
        "key": "name", "label": "Name", "width_mm": 60, "height_mm": 12, "max_length": 10,
    }
    values.update(overrides)
    return TextZone.model_validate(values)


def codes(result) -> list[tuple[ErrorCode, int | None]]:  # type: ignore[no-untyped-def]
    return [(e.code, e.position) for e in result.errors]


def test_composed_and_decomposed_accents_are_the_same_value_and_length() -> None:
    composed = domain.validate_zone(a_zone(), "Zo\u00e9")
    decomposed = domain.validate_zone(a_zone(), "Zoe\u0301")
    assert composed.value == decomposed.value == unicodedata.normalize("NFC", "Zoé")
    assert composed.length == decomposed.length == 3
    assert composed.errors == decomposed.errors == []


def test_decomposed_accent_passes_a_letters_only_zone() -> None:
    # NFD text with a mark that has no composed form stays decomposed after NFC
    result = domain.validate_zone(a_zone(allowed_classes=["letters"]), "q\u0301")
    assert result.errors == [] and result.length == 1


def test_an_emoji_family_joined_with_zwj_is_one_grapheme() -> None:
    zone = a_zone(allowed_classes=["symbols"], max_length=1)
    result = domain.validate_zone(zone, FAMILY)
    assert result.length == 1
    assert result.errors == []


def test_emoji_in_a_zone_without_symbols_names_each_emoji_at_its_grapheme() -> None:
    result = domain.validate_zone(a_zone(), "A" + FAMILY)
    assert codes(result) == [(ErrorCode.CHARACTER_NOT_ALLOWED, 1)] * 3
    assert "U+1F468 MAN" in result.errors[0].message
    assert all("ZERO WIDTH JOINER" not in e.message for e in result.errors)


def test_required_zone_that_is_empty_or_blank() -> None:
    for typed in ("", "   ", "\u00a0"):
        result = domain.validate_zone(a_zone(), typed)
        assert codes(result) == [(ErrorCode.REQUIRED, None)]
        assert result.errors[0].field == "name"
        assert result.errors[0].message == "Name is required: enter some text."


def test_too_long_points_at_the_first_grapheme_past_the_limit() -> None:
    zone = a_zone(max_length=3, allowed_classes=["letters", "symbols"])
    assert domain.validate_zone(zone, "Ze\u0301" + FAMILY).errors == []  # 7 code points
    result = domain.validate_zone(zone, "Zoe\u0301e\u0301")  # 6 code points, 4 graphemes
    assert result.length == 4
    assert codes(result) == [(ErrorCode.TOO_LONG, 3)]
    assert result.errors[0].message == "Name takes at most 3 characters; this text has 4."


def test_each_character_not_allowed_with_its_position_and_name() -> None:
    result = domain.validate_zone(a_zone(), "5\u20ac a\u20ac")
    assert codes(result) == [
        (ErrorCode.CHARACTER_NOT_ALLOWED, 1),
        (ErrorCode.CHARACTER_NOT_ALLOWED, 4),
    ]
    assert result.errors[0].message == (
        'The character "€" (U+20AC EURO SIGN) is not allowed in Name.'
    )


def test_character_classes_follow_unicode_categories() -> None:
    zone = a_zone(allowed_classes=["digits"], max_length=50)
    assert domain.validate_zone(zone, "0123٣").errors == []  # Arabic-Indic three is Nd too
    assert codes(domain.validate_zone(zone, "½")) == [(ErrorCode.CHARACTER_NOT_ALLOWED, 0)]
    assert codes(domain.validate_zone(zone, "1 2")) == [(ErrorCode.CHARACTER_NOT_ALLOWED, 1)]
    spaced = a_zone(allowed_classes=["letters", "space"])
    assert domain.validate_zone(spaced, "a b").errors == []
    no_break = domain.validate_zone(spaced, "a\u00a0b")  # only U+0020 is a space
    assert no_break.errors[0].message == (
        "The character U+00A0 NO-BREAK SPACE is not allowed in Name."
    )
    assert domain.validate_zone(a_zone(allowed_classes=["punctuation"]), "!?«»-").errors == []
    assert domain.validate_zone(a_zone(allowed_classes=["symbols"]), "€+©").errors == []


def test_control_characters_are_refused_and_named_by_code_point() -> None:
    result = domain.validate_zone(a_zone(), "a\nb")
    assert codes(result) == [(ErrorCode.CHARACTER_NOT_ALLOWED, 1)]
    assert result.errors[0].message == "The character U+000A is not allowed in Name."


def test_allowed_extra_admits_characters_outside_the_classes() -> None:
    zone = a_zone(allowed_classes=[CharacterClass.LETTERS], allowed_extra="&€")
    assert domain.validate_zone(zone, "A&B€").errors == []
    assert codes(domain.validate_zone(zone, "A$")) == [(ErrorCode.CHARACTER_NOT_ALLOWED, 1)]


def test_valid_design_is_resolved_in_zone_order_with_nfc_text() -> None:
    zones = [
        a_zone(key="name", label="Name", font="dejavu-serif", colour="#aa0000"),
        a_zone(key="note", label="Note", required=False),
        a_zone(key="date", label="Date", allowed_classes=["digits", "punctuation"]),
    ]
    result = domain.validate_design("p-1", 2, zones, {"date": "1.2", "name": "Zoe\u0301"})
    assert result.valid and result.errors == []
    assert result.design is not None
    assert result.design.product_id == "p-1" and result.design.template_version == 2
    assert [(z.key, z.text, z.font, z.colour) for z in result.design.zones] == [
        ("name", "Zo\u00e9", "dejavu-serif", "#aa0000"),
        ("date", "1.2", "dejavu-sans", "#000000"),
    ]  # the empty optional zone is left out
    assert [z.zone for z in result.zones] == ["name", "note", "date"]


def test_invalid_design_has_no_spec_and_reports_unknown_zones() -> None:
    result = domain.validate_design("p-1", 1, [a_zone()], {"name": "Ada", "colour": "red"})
    assert not result.valid and result.design is None
    assert [(e.field, e.code) for e in result.errors] == [("colour", ErrorCode.UNKNOWN_ZONE)]
    assert result.zones[0].errors == []


def test_a_zone_error_makes_the_design_invalid() -> None:
    result = domain.validate_design("p-1", 1, [a_zone()], {"name": "A€"})
    assert not result.valid and result.design is None and result.errors == []


def test_a_design_with_every_zone_empty_is_refused() -> None:
    result = domain.validate_design("p-1", 1, [a_zone(required=False)], {"name": " "})
    assert not result.valid
    assert [(e.field, e.code) for e in result.errors] == [("values", ErrorCode.REQUIRED)]


def test_unknown_fonts_are_reported_per_zone() -> None:
    zones = [a_zone(), a_zone(key="b", font="comic-sans")]
    errors = domain.unknown_fonts(zones, {"dejavu-sans", "dejavu-serif"})
    assert [(e.field, e.code) for e in errors] == [("zones.1.font", ErrorCode.INVALID_FIELD)]
    assert errors[0].message == (
        'Unknown font "comic-sans". Available fonts: dejavu-sans, dejavu-serif.'
    )
