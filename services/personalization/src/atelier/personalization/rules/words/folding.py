"""What a text and a list entry are compared as: folded character by character (case, width and
compatibility forms, accents and other marks, invisible format characters, look-alike letters
from Unicode's confusables data), then split into words of letters and digits, in which the
brand's digit and symbol substitutions apply.

A word is kept as its *key* (runs of a letter collapsed: "fuuuck" → "fuck") and its *runs* (how
long each run is), so that "fuuuck" matches the entry "fuck" while "as" does not match "ass"
(the text's runs must be at least as long as the entry's)."""

import itertools
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from atelier.contracts.personalization import Substitution

# what each substitution reads a character as
SUBSTITUTES: dict[Substitution, tuple[str, str]] = {
    substitution: (substitution.value[0], substitution.value[2]) for substitution in Substitution
}
SYMBOLS = frozenset(char for char, _ in SUBSTITUTES.values() if not char.isalnum())
_DIRECTION_MARKS = str.maketrans("", "", "\u200e\u200f")


@cache
def lookalikes() -> dict[str, str]:
    """Each character that Unicode's confusables data (UTS #39, as shipped by
    confusable-homoglyphs) says looks like a Latin letter, by its case- and mark-folded form:
    Cyrillic "а" → "a", "ƒ" → "f", "ı" → "i". ASCII characters stay themselves (a digit is a
    letter only through the brand's substitutions)."""
    data = json.loads(
        resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    )
    table: dict[str, str] = {}
    for char in sorted(data, key=lambda c: (plain(c) != c, c)):  # a folded letter's own first
        source = plain(char)
        if len(source) != 1 or source.isascii() or source in table:
            continue
        targets = {
            target for target in (plain(g["c"].translate(_DIRECTION_MARKS)) for g in data[char])
            if len(target) == 1 and target.isascii() and target.isalpha()
        }
        if targets:  # the letter it is named after ("... LETTER I" is i, not l), else any
            name = unicodedata.name(source, "")
            table[source] = min(targets, key=lambda t: (not name.endswith(f" {t.upper()}"),
                                                        not t.islower(), t)).lower()
    return table


def plain(text: str) -> str:
    """Case-folded, compatibility-decomposed, without marks or format characters."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(c for c in decomposed if unicodedata.category(c)[0] != "M"
                   and unicodedata.category(c) != "Cf")


def is_lookalike(char: str) -> bool:
    """Whether folding reads the character as the Latin letter it looks like."""
    return not char.isascii() and any(c in lookalikes() for c in plain(char))


@lru_cache(maxsize=16_384)
def fold_char(char: str) -> str:
    """One character of a text as the rules compare it (possibly several, or none)."""
    if char.isascii():
        return char.lower()
    table = lookalikes()
    return "".join(table.get(c, c) for c in plain(char))


@dataclass(frozen=True, slots=True)
class Word:
    key: str  # runs collapsed
    runs: tuple[int, ...]  # one length per character of key
    start: int  # offsets in the text's value
    end: int


@dataclass(frozen=True, slots=True)
class Folded:
    text: str  # the folded text
    words: tuple[Word, ...]  # its words, where they are in the value


def fold(value: str, substitutions: frozenset[Substitution]) -> Folded:
    if value.isascii():  # the common case: one character for one, in place
        text = value.lower()
        origins: Sequence[int] = range(len(text))
    else:
        pieces = [fold_char(char) for char in value]
        text = "".join(pieces)
        origins = [offset for offset, piece in enumerate(pieces) for _ in piece]
    words = []
    for found in _word_pattern(substitutions).finditer(text):
        word = word_key(found.group(), substitutions)
        if word is not None:
            key, runs, length = word
            start = found.start()
            words.append(Word(key, runs, origins[start], origins[start + length - 1] + 1))
    return Folded(text, tuple(words))


@cache
def _word_pattern(substitutions: frozenset[Substitution]) -> re.Pattern[str]:
    """Runs of letters and digits (any script) and the substitutions' symbols."""
    symbols = "".join(sorted({SUBSTITUTES[s][0] for s in substitutions} & SYMBOLS))
    return re.compile(rf"(?:[^\W_]|[{re.escape(symbols)}])+" if symbols else r"[^\W_]+")


@lru_cache(maxsize=65_536)  # the same words come back with every keystroke
def word_key(
    word: str, substitutions: frozenset[Substitution]
) -> tuple[str, tuple[int, ...], int] | None:
    """A word's key and runs, and how many of its characters it spans (a trailing "!" is
    punctuation); None for a word with neither letters nor digits ("$$")."""
    if word.isdecimal():  # a number: nothing to read or drop
        length = len(word)
    else:
        letters = any(map(str.isalpha, word))
        length = len(word.rstrip("!")) if letters else len(word)
        word = word[:length].translate(reading_of(substitutions)) if letters else word
        word = "".join(filter(str.isalnum, word))
        if not word:
            return None
    groups = [(char, len(list(run))) for char, run in itertools.groupby(word)]
    return "".join(c for c, _ in groups), tuple(n for _, n in groups), length


@cache
def reading_of(substitutions: frozenset[Substitution]) -> dict[int, str]:
    """The table that reads each substituted character as its letter."""
    return str.maketrans({SUBSTITUTES[s][0]: SUBSTITUTES[s][1] for s in substitutions})
