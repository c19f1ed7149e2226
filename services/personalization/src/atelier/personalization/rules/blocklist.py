"""Step 7 of the rules: the brand's blocked words, matched on skeletons so that case, accents,
look-alike letters from other scripts, digits for letters and stretched letters do not get a
word past the list ("Shït", "ѕһіt", "sh1t" and "shiiit" all have the skeleton "shit")."""

import itertools
import unicodedata
from functools import lru_cache

import regex

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.personalization import WordList
from atelier.personalization.rules.memo import ByIdentity
from atelier.personalization.rules.normalize import JOINERS, Text

# "@" and "$" belong to words so that "a$$" reaches the digit and symbol map; a joiner inside a
# word must not split it in two (it is invisible, and dropped from the skeleton).
WORD = regex.compile(r"[\p{L}\p{M}\p{N}@$][\p{L}\p{M}\p{N}@$\u200c\u200d]*")
# Cyrillic and Greek letters (lower case: skeletons are case-folded) that look like Latin ones.
# fmt: off
CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ѕ": "s", "ј": "j", "ԁ": "d", "в": "b", "н": "h", "һ": "h", "к": "k", "м": "m",
        "т": "t", "ӏ": "l", "ԛ": "q", "ԝ": "w",
        "ο": "o", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "τ": "t", "ρ": "p",
        "β": "b", "ζ": "z", "χ": "x", "υ": "u",
    }
)
# fmt: on
LOOKALIKE_DIGITS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_READ_AS_LETTERS = str.maketrans(LOOKALIKE_DIGITS)
MESSAGE = "This text contains a word that is not allowed."  # never echoes the blocked entry


@lru_cache(maxsize=65_536)  # the same words come back with every keystroke
def skeleton(word: str) -> str:
    """NFKD, without marks, case-folded, look-alikes mapped, runs of a letter collapsed. Digits
    and symbols read as letters only in a word that mixes them with letters ("b00b", not
    "2007")."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", word).casefold())
    bare = "".join(
        char
        for char in folded
        if not unicodedata.category(char).startswith("M") and char not in JOINERS
    ).translate(CONFUSABLES)
    if any(char.isalpha() for char in bare) and any(char in LOOKALIKE_DIGITS for char in bare):
        bare = bare.translate(_READ_AS_LETTERS)
    return "".join(char for char, _ in itertools.groupby(bare))


def blocked_words(key: str, text: Text, words: WordList) -> list[ErrorItem]:
    """One error per blocked word, at its first grapheme."""
    blocked, allowed = _skeletons_of(words)
    if not blocked:
        return []
    return [
        ErrorItem(
            field=key,
            code=ErrorCode.BLOCKED_WORD,
            message=MESSAGE,
            position=text.position_at(match.start()),
        )
        for match in WORD.finditer(text.value)
        if _is_blocked(skeleton(match.group()), blocked, allowed)
    ]


def _is_blocked(word: str, blocked: tuple[str, ...], allowed: frozenset[str]) -> bool:
    return word not in allowed and any(entry in word for entry in blocked)


Skeletons = tuple[tuple[str, ...], frozenset[str]]
# The catalog hands out one object per fetched list: a list is read once, not hashed word by word
# on every request (it may hold 2 × 5000 words).
_BY_LIST: ByIdentity[Skeletons] = ByIdentity(64)


def _skeletons_of(words: WordList) -> Skeletons:
    skeletons = _BY_LIST.get(id(words), (words,))
    if skeletons is None:
        skeletons = _skeletons(words.blocked, words.allowed)
        _BY_LIST.put(id(words), (words,), skeletons)
    return skeletons


def _skeletons(blocked: list[str], allowed: list[str]) -> Skeletons:
    """The list's skeletons. An entry is read as one word (its spaces and punctuation dropped);
    one with no letter or digit left would match everything, so it is ignored."""
    return (
        tuple(entry for entry in dict.fromkeys(map(_entry_skeleton, blocked)) if entry),
        frozenset(map(_entry_skeleton, allowed)),
    )


def _entry_skeleton(entry: str) -> str:
    return skeleton("".join(WORD.findall(entry)))
