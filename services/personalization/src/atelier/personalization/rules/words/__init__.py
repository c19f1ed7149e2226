"""The brand's word rules applied to a text: which entries it contains, where, and why.

An entry matches whole words (words are runs of letters and digits, in any script, after
folding: ``folding``), or as its markers say (``ass*`` a prefix, ``*ass`` a suffix, ``*ass*``
anywhere in a word); an entry of several words matches them in a row, whatever spaces,
punctuation or line breaks separate them. Single letters split by spaces or punctuation
("f.u.c.k") are also read joined, run by run, so that ordinary words are never joined. A word
that is one of the brand's exceptions (``allowed``) is matched by no entry."""

from collections.abc import Iterator
from dataclasses import dataclass

from atelier.contracts.personalization import Substitution
from atelier.personalization.rules.words.entries import Entry, Rules, compile_rules
from atelier.personalization.rules.words.folding import (
    SUBSTITUTES,
    Word,
    fold,
    fold_char,
    is_lookalike,
    reading_of,
)

__all__ = ["Entry", "Hit", "Rules", "compile_rules", "find", "why"]

MAX_STRETCH = 8  # a single letter repeated, at most, in letters read joined ("f u u u c k")


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    start: int  # offsets in the value
    end: int
    joined: bool = False  # found by joining single letters
    stretched: bool = False  # a letter repeated more than in the entry
    excepted_by: str | None = None  # the exception (allowed word) that applies


def find(value: str, rules: Rules) -> list[Hit]:
    """Every entry the value contains, in order, exceptions included (``excepted_by``)."""
    if not rules:
        return []
    words = fold(value, rules.substitutions).words
    hits: list[Hit] = []
    singles = False
    for index, word in enumerate(words):
        for entry, stretched in _matching(word.key, word.runs, rules):
            hits.append(Hit(entry, word.start, word.end, False, stretched,
                            _exception(value, word, rules)))
        if word.key in rules.phrases:
            hits.extend(_phrases(value, words, index, rules))
        singles = singles or word.runs == (1,)
    if singles:
        hits.extend(_joined(words, rules))
    return _distinct(hits) if len(hits) > 1 else hits


def _matching(key: str, runs: tuple[int, ...], rules: Rules) -> list[tuple[Entry, bool]]:
    """The entries a word of this key and runs matches, and whether it stretches them."""
    found = [(entry, runs != entry.runs) for entry in rules.words.get(key, ())
             if _covers(runs, entry.runs)]
    if rules.prefixes:
        for length in range(1, len(key) + 1):
            found.extend((entry, runs[:length] != entry.runs)
                         for entry in rules.prefixes.get(key[:length], ())
                         if _covers(runs[:length], entry.runs))
    if rules.suffixes:
        for length in range(1, len(key) + 1):
            found.extend((entry, runs[-length:] != entry.runs)
                         for entry in rules.suffixes.get(key[-length:], ())
                         if _covers(runs[-length:], entry.runs))
    for entry in rules.inside:
        if entry.key in key:
            found.extend(_inside(key, runs, entry))
    return found


def _inside(key: str, runs: tuple[int, ...], entry: Entry) -> Iterator[tuple[Entry, bool]]:
    at = key.find(entry.key)
    while at >= 0:
        aligned = runs[at:at + len(entry.key)]
        if _covers(aligned, entry.runs):
            yield entry, aligned != entry.runs
            return
        at = key.find(entry.key, at + 1)


def _covers(runs: tuple[int, ...], wanted: tuple[int, ...]) -> bool:
    return all(have >= need for have, need in zip(runs, wanted, strict=True))


def _exception(value: str, word: Word, rules: Rules) -> str | None:
    """The exception that applies to a word: the brand's, folded as entries are, or a default
    list's, as written."""
    excepted = rules.allowed.get(word.key)
    if excepted is None and rules.exact:
        excepted = rules.exact.get(value[word.start:word.end].casefold())
    return excepted


def _phrases(value: str, words: tuple[Word, ...], index: int, rules: Rules) -> Iterator[Hit]:
    for entry in rules.phrases.get(words[index].key, ()):
        span = words[index:index + len(entry.words)]
        if len(span) == len(entry.words) and all(
            word.key == key and _covers(word.runs, runs)
            for word, (key, runs) in zip(span, entry.words, strict=True)
        ):
            excepted = next(filter(None, (_exception(value, w, rules) for w in span)), None)
            stretched = any(w.runs != runs for w, (_, runs) in zip(span, entry.words, strict=True))
            yield Hit(entry, span[0].start, span[-1].end, False, stretched, excepted)


def _joined(words: tuple[Word, ...], rules: Rules) -> Iterator[Hit]:
    """Runs of single letters, each stretch of two or more of them read as one word, as long as
    it spells the beginning of an entry. A marked entry found there is found as itself: the
    stretch that spells it."""
    reading = reading_of(rules.substitutions)
    single = [w.runs == (1,) for w in words]
    for first, word in enumerate(words):
        if not single[first]:
            continue
        key, runs = word.key.translate(reading), [1]
        for last in range(first + 1, len(words)):
            if not single[last]:
                break
            letter = words[last].key.translate(reading)
            if letter == key[-1]:
                runs[-1] += 1
                if runs[-1] > MAX_STRETCH:
                    break
            else:
                key += letter
                runs.append(1)
            if key not in rules.stems:
                break
            excepted = rules.allowed.get(key)
            for entry, stretched in _matching(key, tuple(runs), rules):
                yield Hit(entry, word.start, words[last].end, True, stretched, excepted)


def _distinct(hits: list[Hit]) -> list[Hit]:
    """In text order; an entry found again within a longer match of itself is dropped."""
    kept: list[Hit] = []
    reach: dict[int, int] = {}  # by entry: the furthest end of its matches so far
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if hit.end > reach.get(id(hit.entry), -1):
            kept.append(hit)
            reach[id(hit.entry)] = hit.end
    return kept


def why(value: str, hit: Hit, substitutions: frozenset[Substitution]) -> list[str]:
    """The foldings a match needed, in words a brand reads."""
    matched = value[hit.start:hit.end]
    symbols = {SUBSTITUTES[s][0] for s in substitutions}
    reasons = {
        "single letters joined": hit.joined,
        "look-alike characters (Unicode confusables)": any(map(is_lookalike, matched)),
        "digits or symbols read as letters": any(c in symbols for c in matched),
        "invisible characters ignored": any(not fold_char(c) for c in matched),
        "case, accents or width": any(
            fold_char(c) not in ("", c) and not is_lookalike(c) and c not in symbols
            for c in matched),
        "repeated letters": hit.stretched,
        f'exception "{hit.excepted_by}"': hit.excepted_by is not None,
    }
    return [reason for reason, applies in reasons.items() if applies]
