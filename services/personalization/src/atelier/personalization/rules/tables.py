"""The character data the rules read, written out for the widget's port of them (DESIGN §6: the
widget gives the server's verdict), so that both judge every code point by the same Unicode
edition: this process's ``unicodedata`` (categories, bidi classes, numeric types, names, case
folding and compatibility forms) and fontTools' script property, whatever the browser's own.

    python -m atelier.personalization.rules.tables write widget/src/generated

writes ``unicode.json`` (loaded with the shaper) and ``names.json`` (loaded only when a message
names a character); ``make schemas`` runs it, and a test fails when the committed files drift.
"""

import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from fontTools.unicodedata import script as unicode_script

from atelier.personalization.rules import RULES_VERSION
from atelier.personalization.rules.words.folding import plain

LAST = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)
# Names Unicode derives from the code point rather than lists (NR1, NR2): the widget derives
# them too instead of carrying tens of thousands of them.
_DERIVED_PREFIXES = ("CJK UNIFIED IDEOGRAPH-", "CJK COMPATIBILITY IDEOGRAPH-", "TANGUT IDEOGRAPH-",
                     "KHITAN SMALL SCRIPT CHARACTER-", "NUSHU CHARACTER-", "HANGUL SYLLABLE ")


def _properties(code: int) -> tuple[str, str, str, int]:
    """category, bidi class, script, flags (1 mirrored, 2 numeric, 4 digit) of a code point."""
    char = chr(code)
    flags = (1 if unicodedata.mirrored(char) else 0) | (2 if char.isnumeric() else 0) | (
        4 if char.isdigit() else 0)
    return unicodedata.category(char), unicodedata.bidirectional(char) or "L", \
        unicode_script(char), flags


def unicode_tables() -> dict[str, Any]:
    """Runs of code points with equal properties (``runs``: [first code point, index into
    ``kinds``] ascending), and the per-character case folding and folded forms that differ."""
    kinds: list[tuple[str, str, str, int]] = []
    index_of: dict[tuple[str, str, str, int], int] = {}
    runs: list[int] = []
    previous = -1
    for code in range(LAST + 1):
        kind = _properties(code)
        index = index_of.setdefault(kind, len(kinds))
        if index == len(kinds):
            kinds.append(kind)
        if index != previous:
            runs.extend((code, index))
            previous = index
    casefold: dict[str, str] = {}
    folded: dict[str, str] = {}
    for code in range(0x80, LAST + 1):
        if code in _SURROGATES:
            continue
        char = chr(code)
        if char.casefold() != char:
            casefold[char] = char.casefold()
        if plain(char) != char:
            folded[char] = plain(char)
    return {
        "rules_version": RULES_VERSION,
        "unicode_version": unicodedata.unidata_version,
        "kinds": [list(kind) for kind in kinds],
        "runs": runs,
        "casefold": casefold,
        "plain": folded,
    }


def unicode_names() -> dict[str, str]:
    """Every listed name by hexadecimal code point (the derived ones left out)."""
    names: dict[str, str] = {}
    for code in range(LAST + 1):
        name = unicodedata.name(chr(code), "") if code not in _SURROGATES else ""
        if name and not name.startswith(_DERIVED_PREFIXES):
            names[f"{code:X}"] = name
    return names


def write(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for filename, data in (("unicode.json", unicode_tables()), ("names.json", unicode_names())):
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        (directory / filename).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "write":
        sys.exit("usage: python -m atelier.personalization.rules.tables write DIRECTORY")
    write(Path(sys.argv[2]))
