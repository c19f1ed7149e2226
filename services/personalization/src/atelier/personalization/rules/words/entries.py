"""A brand's word rules, read once per fetched list: its own entries, the default lists it
switched on (less the entries it removed), and its exceptions, each entry folded and indexed by
how it matches."""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from atelier.contracts.personalization import (
    DefaultList,
    MatchKind,
    Substitution,
    WordList,
    WordOutcome,
)
from atelier.personalization.rules.words.folding import fold

MARKER = "*"
BRAND = "brand"
MESSAGE = "This text contains a word that is not allowed."  # never echoes the entry
_KINDS = {(False, False): MatchKind.WORD, (False, True): MatchKind.PREFIX,
          (True, False): MatchKind.SUFFIX, (True, True): MatchKind.INSIDE}


@dataclass(frozen=True, slots=True)
class Entry:
    text: str  # as written in its list
    source: str  # brand, or a default list
    outcome: WordOutcome
    kind: MatchKind
    words: tuple[tuple[str, tuple[int, ...]], ...]  # each word's key and runs
    key: str = field(init=False)  # the first word's
    runs: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.words[0][0])
        object.__setattr__(self, "runs", self.words[0][1])


@dataclass
class Rules:
    """Entries by how they match: whole words and prefixes and suffixes by key, phrases by their
    first word's key; words containing an entry are found by scanning (they are few)."""

    substitutions: frozenset[Substitution]
    message: str
    words: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    prefixes: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    suffixes: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    inside: list[Entry] = field(default_factory=list)
    phrases: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    allowed: dict[str, str] = field(default_factory=dict)  # key → the exception as written
    # a default list's exceptions, matched as written (case aside): real words that fold like
    # an entry ("pûtes", a past tense of "pouvoir", is not "putes")
    exact: dict[str, str] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    # the beginnings of the one-word entries' keys: single letters are joined only as long as
    # they spell one, which keeps a text of thousands of letters cheap
    stems: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)
        if entry.kind is MatchKind.PHRASE:
            self.phrases[entry.key].append(entry)
            return
        self.stems.update(entry.key[:n] for n in range(1, len(entry.key) + 1))
        if entry.kind is MatchKind.INSIDE:
            self.inside.append(entry)
        else:
            index = {MatchKind.WORD: self.words, MatchKind.PREFIX: self.prefixes,
                     MatchKind.SUFFIX: self.suffixes}[entry.kind]
            index[entry.key].append(entry)


def compile_rules(words: WordList) -> Rules:
    substitutions = frozenset(words.substitutions)
    rules = Rules(substitutions, words.message or MESSAGE)
    for outcome, texts in ((WordOutcome.BLOCK, words.blocked), (WordOutcome.REVIEW, words.review)):
        for text in texts:
            _add(rules, text, BRAND, outcome)
    removed = {_folded_text(text, substitutions) for text in words.removed}
    for language in words.defaults:
        for outcome, text in default_list(language):
            if outcome is WordOutcome.ALLOW:
                rules.exact.setdefault(text.casefold(), text)
            elif _folded_text(text, substitutions) not in removed:
                _add(rules, text, language.value, outcome)
    for text in words.allowed:
        folded = fold(text.strip(MARKER), substitutions).words
        if len(folded) == 1:
            rules.allowed.setdefault(folded[0].key, text)
    return rules


def _add(rules: Rules, text: str, source: str, outcome: WordOutcome) -> None:
    entry = parse(text, source, outcome, rules.substitutions)
    if entry is not None:
        rules.add(entry)


def parse(
    text: str, source: str, outcome: WordOutcome, substitutions: frozenset[Substitution]
) -> Entry | None:
    """An entry as written: ``*`` before or after a single word asks for suffix, prefix or
    in-word matching; several words make a phrase. None for an entry with no letter or digit
    (it would match everything)."""
    bare = text.strip().strip(MARKER)
    words = tuple((w.key, w.runs) for w in fold(bare, substitutions).words)
    if not words:
        return None
    if len(words) > 1:
        kind = MatchKind.PHRASE
    else:
        stripped = text.strip()
        kind = _KINDS[stripped.startswith(MARKER), stripped.endswith(MARKER)]
    return Entry(text, source, outcome, kind, words)


def folded_entry(entry: Entry) -> str:
    """The entry as the widget gets it: its folded words (runs written out), with its markers."""
    words = " ".join("".join(c * n for c, n in zip(key, runs, strict=True))
                     for key, runs in entry.words)
    before = MARKER if entry.kind in (MatchKind.SUFFIX, MatchKind.INSIDE) else ""
    after = MARKER if entry.kind in (MatchKind.PREFIX, MatchKind.INSIDE) else ""
    return f"{before}{words}{after}"


def _folded_text(text: str, substitutions: frozenset[Substitution]) -> str:
    return " ".join(w.key for w in fold(text, substitutions).words)


@cache
def default_list(language: DefaultList) -> tuple[tuple[WordOutcome, str], ...]:
    """The entries of a default list (``lists/<language>.txt``: ``block|review|allow <entry>``
    per line, ``#`` comments, its source and licence in its header)."""
    source = resources.files(__package__).joinpath("lists", f"{language.value}.txt")
    entries = []
    for line in source.read_text("utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            outcome, text = line.split(" ", 1)
            entries.append((WordOutcome(outcome), text.strip()))
    return tuple(entries)
