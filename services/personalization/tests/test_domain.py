"""The pure rules of products, brand fonts and word lists (no database, no bus)."""

from atelier.contracts import ErrorCode
from atelier.contracts.personalization import TextZone, WordList
from atelier.personalization import domain
from atelier.typeset import NotAFont, UndrawableFont
from atelier.typeset.fonts import SHIPPED

SERIF = SHIPPED["dejavu-serif"].path.read_bytes()


def a_zone(key: str, *fonts: str) -> TextZone:
    return TextZone.model_validate({
        "key": key, "label": key, "width_mm": 60, "height_mm": 12,
        "fonts": [{"font_id": f, "min_size_mm": 2, "max_size_mm": 8} for f in fonts],
        "rules": {"max_length": 10},
    })


def test_the_fonts_a_template_uses_are_listed_once_in_zone_order() -> None:
    zones = [a_zone("a", "serif", "sans"), a_zone("b", "mine", "serif")]
    assert domain.fonts_used(zones) == ["serif", "sans", "mine"]


def test_each_unknown_font_is_reported_at_its_option() -> None:
    zones = [a_zone("a", "sans"), a_zone("b", "sans", "papyrus", "comic")]
    errors = domain.unknown_fonts(zones, {"sans"})
    assert [(e.field, e.code) for e in errors] == [
        ("zones.1.fonts.1.font_id", ErrorCode.INVALID_FIELD),
        ("zones.1.fonts.2.font_id", ErrorCode.INVALID_FIELD),
    ]
    assert errors[0].message.startswith('Unknown font "papyrus"')


def test_a_font_file_is_judged_by_its_size_before_it_is_parsed() -> None:
    assert domain.font_size_error(len(SERIF), 5 * 1024 * 1024) is None
    too_large = domain.font_size_error(3 * 1024 * 1024, 2 * 1024 * 1024)
    assert too_large is not None and too_large.code == ErrorCode.FONT_TOO_LARGE
    assert too_large.message == "The font file is 3.0 MB; the limit is 2 MB."


def test_a_refused_font_is_told_by_the_engines_code_and_reason() -> None:
    for refused in (NotAFont("Not a font."), UndrawableFont("Glyph 'A' is built from itself.")):
        error = domain.refused_font(refused)
        assert (error.field, error.code, error.message) == ("file", refused.code, str(refused))
    assert {NotAFont.code, UndrawableFont.code} <= set(ErrorCode)  # the engine's codes are ours


def test_a_fonts_family_comes_from_its_name_table_else_its_file_name() -> None:
    assert domain.font_family(SERIF, "whatever.ttf") == "DejaVu Serif"
    assert domain.font_family(b"\x00\x01\x00\x00" + bytes(50), "dir/My Font.otf") == "My Font"


def test_a_word_list_is_trimmed_nfc_and_without_repeats() -> None:
    cleaned, errors = domain.clean_word_list(
        WordList(blocked=[" Cafe\u0301 ", "CAFÉ", "", "heck"], allowed=["heckle", "Heckle"])
    )
    assert errors == []
    assert cleaned == WordList(blocked=["Caf\u00e9", "heck"], allowed=["heckle"])


def test_a_word_list_entry_is_short_with_markers_only_at_its_ends() -> None:
    cleaned, errors = domain.clean_word_list(
        WordList(blocked=["ok", "two  words", "*in*", "a*b", "*-*"],
                 allowed=["two words", "*ok"], review=["fine*"])
    )
    assert [(e.field, e.code) for e in errors] == [
        ("blocked.3", ErrorCode.INVALID_FIELD),
        ("blocked.4", ErrorCode.INVALID_FIELD),
        ("allowed.0", ErrorCode.INVALID_FIELD),
        ("allowed.1", ErrorCode.INVALID_FIELD),
    ]
    assert cleaned.blocked == ["ok", "two words", "*in*"] and cleaned.review == ["fine*"]
    assert errors[0].message.startswith('"a*b": "*" only marks')
