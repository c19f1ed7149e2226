"""The character data the rules read, written out for the widget's port of them (DESIGN §6: the
widget gives the server's verdict), so that both judge every code point by the same Unicode
edition: this process's ``unicodedata`` (categories, bidi classes, numeric types, names, case
folding and compatibility forms) and fontTools' script property, whatever the browser's own.

    python -m atelier.personalization.rules.tables write widget/src/generated

writes ``unicode.json`` (loaded with the shaper) and the character names, a file a block of
1024 code points (``names/names-NNN.json``, loaded only when a message names a character of the
block); ``make schemas`` runs it, and a test fails when the committed files drift.

The tables are what a storefront downloads before the widget can judge a keystroke, so they are
written compactly: property runs by their lengths, and the case and plain foldings as runs of
code points that map to one character at the same distance (``[gap from the previous run's
first, count, distance, step]``), ranges mapped to nothing, and the other mappings one by one.
The Hangul syllables' plain forms are Unicode's arithmetic decomposition (the widget computes
them): left out.
"""

import json
import sys
import unicodedata
from functools import cache
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


def properties(code: int) -> tuple[str, str, str, int]:
    """category, bidi class, script, flags (1 mirrored, 2 numeric, 4 digit) of a code point."""
    char = chr(code)
    flags = (1 if unicodedata.mirrored(char) else 0) | (2 if char.isnumeric() else 0) | (
        4 if char.isdigit() else 0)
    return unicodedata.category(char), unicodedata.bidirectional(char) or "L", \
        unicode_script(char), flags


NAME_BLOCK_BITS = 10  # names are loaded by blocks of 1024 code points
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3


def hangul_decomposition(code: int) -> str:
    """A Hangul syllable's canonical decomposition into conjoining jamo (Unicode §3.12)."""
    index = code - _HANGUL_FIRST
    lead, vowel, tail = 0x1100 + index // 588, 0x1161 + index % 588 // 28, index % 28
    return chr(lead) + chr(vowel) + (chr(0x11A7 + tail) if tail else "")


def _encode_mapping(mapping: dict[int, str]) -> dict[str, Any]:
    """``mapping`` (code point to text) as runs of one-character mappings at the same distance
    and step, ranges of code points mapped to nothing (``removed``: [gap from the previous
    range's first, count]), and the others by character."""
    runs: list[int] = []
    removed: list[int] = []
    others: dict[str, str] = {}
    codes = sorted(mapping)
    previous_first = previous_removed = 0
    i = 0
    while i < len(codes):
        first, value = codes[i], mapping[codes[i]]
        if value == "":
            n = 1
            while i + n < len(codes) and codes[i + n] == first + n and mapping[first + n] == "":
                n += 1
            removed.extend((first - previous_removed, n))
            previous_removed = first
            i += n
            continue
        if len(value) != 1:
            others[chr(first)] = value
            i += 1
            continue
        distance = ord(value) - first
        count, step = 1, 1
        for candidate in (1, 2):
            n = 1
            while (i + n < len(codes) and codes[i + n] == first + n * candidate
                   and len(mapping[codes[i + n]]) == 1
                   and ord(mapping[codes[i + n]]) - codes[i + n] == distance):
                n += 1
            if n > 1:
                count, step = n, candidate
                break
        runs.extend((first - previous_first, count, distance, step))
        previous_first = first
        i += count
    return {"runs": runs, "removed": removed, "others": others}


def decode_mapping(encoded: dict[str, Any]) -> dict[int, str]:
    """``_encode_mapping``'s inverse (the widget's ``unicode.js`` reads it the same way)."""
    mapping = {ord(char): value for char, value in encoded["others"].items()}
    first = 0
    removed = encoded["removed"]
    for i in range(0, len(removed), 2):
        first += removed[i]
        mapping.update(dict.fromkeys(range(first, first + removed[i + 1]), ""))
    first = 0
    runs = encoded["runs"]
    for i in range(0, len(runs), 4):
        gap, count, distance, step = runs[i:i + 4]
        first += gap
        for n in range(count):
            mapping[first + n * step] = chr(first + n * step + distance)
    return mapping


def unicode_tables() -> dict[str, Any]:
    """Runs of code points with equal properties (``run_lengths`` and ``run_kinds``, indexes into
    ``kinds``, from U+0000 on), the case folding and the plain forms that differ, and the blocks
    that have listed names."""
    kinds: list[tuple[str, str, str, int]] = []
    index_of: dict[tuple[str, str, str, int], int] = {}
    starts: list[int] = []
    run_kinds: list[int] = []
    for code in range(LAST + 1):
        kind = properties(code)
        index = index_of.setdefault(kind, len(kinds))
        if index == len(kinds):
            kinds.append(kind)
        if not run_kinds or index != run_kinds[-1]:
            starts.append(code)
            run_kinds.append(index)
    casefold: dict[int, str] = {}
    folded: dict[int, str] = {}
    for code in range(0x80, LAST + 1):
        if code in _SURROGATES:
            continue
        char = chr(code)
        if char.casefold() != char:
            casefold[code] = char.casefold()
        if plain(char) != char and not (_HANGUL_FIRST <= code <= _HANGUL_LAST
                                         and plain(char) == hangul_decomposition(code)):
            folded[code] = plain(char)
    return {
        "rules_version": RULES_VERSION,
        "unicode_version": unicodedata.unidata_version,
        "kinds": [list(kind) for kind in kinds],
        "run_lengths": [b - a for a, b in zip(starts, [*starts[1:], LAST + 1], strict=True)],
        "run_kinds": run_kinds,
        "casefold": _encode_mapping(casefold),
        "plain": _encode_mapping(folded),
        "name_blocks": sorted({int(code, 16) >> NAME_BLOCK_BITS for code in unicode_names()}),
    }


@cache  # read by the tables (which blocks have names) and by the blocks' files
def unicode_names() -> dict[str, str]:
    """Every listed name by hexadecimal code point (the derived ones left out)."""
    names: dict[str, str] = {}
    for code in range(LAST + 1):
        name = unicodedata.name(chr(code), "") if code not in _SURROGATES else ""
        if name and not name.startswith(_DERIVED_PREFIXES):
            names[f"{code:X}"] = name
    return names


def name_blocks() -> dict[str, dict[str, str]]:
    """The listed names by file: ``names-NNN.json`` holds block NNN's."""
    blocks: dict[str, dict[str, str]] = {}
    for code, name in unicode_names().items():
        blocks.setdefault(f"names-{int(code, 16) >> NAME_BLOCK_BITS:03d}.json", {})[code] = name
    return blocks


def _text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


def write(directory: Path) -> None:
    (directory / "names").mkdir(parents=True, exist_ok=True)
    (directory / "unicode.json").write_text(_text(unicode_tables()), encoding="utf-8")
    blocks = name_blocks()
    for stale in (directory / "names").glob("*.json"):
        if stale.name not in blocks:
            stale.unlink()
    for filename, names in blocks.items():
        (directory / "names" / filename).write_text(_text(names), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "write":
        sys.exit("usage: python -m atelier.personalization.rules.tables write DIRECTORY")
    write(Path(sys.argv[2]))
