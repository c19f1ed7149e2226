"""The pure rules of products, brand fonts and word lists (no database, no bus)."""

from atelier.contracts import ErrorCode
from atelier.contracts.personalization import TextZone, WordList
from atelier.personalization import domain
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


def test_a_font_file_is_judged_by_its_size_then_its_signature() -> None:
    assert domain.font_file_error(SERIF, 5 * 1024 * 1024) is None
    assert domain.font_file_error(b"OTTO" + bytes(10), 100) is None  # CFF-flavoured OpenType
    too_large = domain.font_file_error(bytes(3 * 1024 * 1024), 2 * 1024 * 1024)
    assert too_large is not None and too_large.code == ErrorCode.FONT_TOO_LARGE
    assert too_large.message == "The font file is 3.0 MB; the limit is 2 MB."
    for data in (b"", b"GIF89a", b"wOFF" + bytes(10), b"ttcf" + bytes(10)):
        error = domain.font_file_error(data, 100)
        assert error is not None and (error.field, error.code) == (
            "file", ErrorCode.INVALID_FONT_FILE
        )


def test_a_fonts_family_comes_from_its_name_table_else_its_file_name() -> None:
    assert domain.font_family(SERIF, "whatever.ttf") == "DejaVu Serif"
    assert domain.font_family(b"\x00\x01\x00\x00" + bytes(50), "dir/My Font.otf") == "My Font"


def test_a_word_list_is_trimmed_nfc_and_without_repeats() -> None:
    cleaned, errors = domain.clean_word_list(
        WordList(blocked=[" Cafe\u0301 ", "CAFÉ", "", "heck"], allowed=["heckle", "Heckle"])
    )
    assert errors == []
    assert cleaned == WordList(blocked=["Caf\u00e9", "heck"], allowed=["heckle"])


def test_a_word_list_entry_is_one_short_word() -> None:
    _, errors = domain.clean_word_list(
        WordList(blocked=["ok", "two words"], allowed=["x" * 101, "tab\there"])
    )
    assert [(e.field, e.code) for e in errors] == [
        ("blocked.1", ErrorCode.INVALID_FIELD),
        ("allowed.0", ErrorCode.INVALID_FIELD),
        ("allowed.1", ErrorCode.INVALID_FIELD),
    ]
    assert errors[0].message == '"two words" is more than one word: add each word on its own.'
