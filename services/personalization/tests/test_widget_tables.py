"""The character data the widget's port of the rules reads is this process's, as committed
(``make schemas`` writes it), and the config names the rules edition it belongs to."""

import json
import unicodedata
from pathlib import Path

import uharfbuzz

from atelier.personalization.rules import RULES_VERSION, widget_rules
from atelier.personalization.rules.tables import unicode_names, unicode_tables

GENERATED = Path(__file__).resolve().parents[3] / "widget" / "src" / "generated"


def test_the_committed_tables_are_the_servers_character_data() -> None:
    committed = json.loads((GENERATED / "unicode.json").read_text("utf-8"))
    assert committed == unicode_tables(), "run `make schemas` and commit widget/src/generated"
    names = json.loads((GENERATED / "names.json").read_text("utf-8"))
    assert names == unicode_names(), "run `make schemas` and commit widget/src/generated"


def test_the_tables_answer_as_unicodedata_does() -> None:
    tables = unicode_tables()
    starts = tables["runs"][0::2]

    def kind(char: str) -> list[object]:
        code = ord(char)
        run = max(i for i, start in enumerate(starts) if start <= code)
        return list(tables["kinds"][tables["runs"][2 * run + 1]])

    for char in "a\u0301\u05d0\u0627 1\u00bd\u200d\u202e(\U0001f44d\u4e2d":
        category, bidi, _, flags = kind(char)
        assert category == unicodedata.category(char)
        assert bidi == (unicodedata.bidirectional(char) or "L")
        assert bool(flags & 1) == bool(unicodedata.mirrored(char))
        assert bool(flags & 2) == char.isnumeric()
    assert tables["casefold"]["ß"] == "ss"
    assert tables["plain"]["É"] == "e"


def test_the_rules_document_names_the_edition_and_the_engines() -> None:
    rules = widget_rules()
    assert rules.rules_version == RULES_VERSION == unicode_tables()["rules_version"]
    assert rules.unicode_version == unicodedata.unidata_version
    assert rules.harfbuzz_version == uharfbuzz.version_string()
    assert (rules.autofit_step_mm, rules.fit_tolerance_mm) == (0.1, 1e-6)
