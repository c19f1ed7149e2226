"""Steps 1 to 3 of the rules: unpaired surrogates, line breaks and NFC, the character policy,
trimming. The result remembers, for every grapheme cluster of the normalized value, the grapheme
index in the text as typed, because every error points into the input.
"""

import bisect
import re
import unicodedata
from dataclasses import dataclass, field

import regex

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.personalization import InvisiblePolicy, Removal
from atelier.personalization.rules.naming import code_point

GRAPHEME = regex.compile(r"\X")
LINE_BREAK = re.compile(r"\r\n?|[\u2028\u2029]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_LINE_BREAK_CLUSTERS = frozenset({"\n", "\r", "\r\n", "\u2028", "\u2029"})  # \n or LINE_BREAK
JOINERS = frozenset("\u200c\u200d")  # ZWNJ, ZWJ
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Named by the rules; every other format character (Cf) but the joiners is invisible as well.
INVISIBLE = frozenset("\u200b\ufeff\u2060\u200e\u200f\u061c\u00ad\u180e\u2061\u2062\u2063\u2064")
_REFUSAL = {
    ErrorCode.BIDI_CONTROL: "{label} cannot contain the bidirectional control {char}: remove it.",
    ErrorCode.CONTROL_CHARACTER: "{label} cannot contain the control character {char}: remove it.",
    ErrorCode.INVISIBLE_CHARACTER: (
        "{label} cannot contain the invisible character {char}: remove it."
    ),
}


@dataclass(frozen=True)
class Text:
    """A zone's value after normalization, and where each of its grapheme clusters was typed."""

    value: str
    clusters: tuple[str, ...]
    origins: tuple[int, ...]  # per cluster: its grapheme index in the input
    removed: tuple[Removal, ...] = ()
    errors: tuple[ErrorItem, ...] = ()
    stopped: bool = False  # an unpaired surrogate: no further step judges this text
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts, offset = [], 0
        for cluster in self.clusters:
            starts.append(offset)
            offset += len(cluster)
        object.__setattr__(self, "_starts", tuple(starts))

    @property
    def length(self) -> int:
        """Grapheme clusters, line breaks excluded."""
        return len(self.clusters) - sum(1 for c in self.clusters if c in _LINE_BREAK_CLUSTERS)

    @property
    def lines(self) -> int:
        return self.value.count("\n") + 1 if self.value else 0

    def position_at(self, offset: int) -> int:
        """The input grapheme index of the cluster holding code point ``offset`` of the value."""
        return self.origins[bisect.bisect_right(self._starts, offset) - 1]


def normalize(typed: str, policy: InvisiblePolicy, key: str, label: str) -> Text:
    if typed.isascii() and typed.isprintable():
        return _printable_ascii(typed)
    return _normalize(typed, policy, key, label)


def _printable_ascii(typed: str) -> Text:
    """What `_normalize` makes of printable ASCII, the most common input, in a few string
    operations: every character is its own grapheme cluster and nothing is a line break, a
    control, an invisible or a bidi character; NFC changes nothing; only spaces are trimmed."""
    value = typed.strip(" ")
    lead = len(typed) - len(typed.lstrip(" ")) if value else 0
    return Text(value, tuple(value), tuple(range(lead, lead + len(value))))


def _normalize(typed: str, policy: InvisiblePolicy, key: str, label: str) -> Text:
    clusters = GRAPHEME.findall(typed)
    surrogates = [
        ErrorItem(
            field=key,
            code=ErrorCode.UNPAIRED_SURROGATE,
            message=(
                f"{label} contains an unpaired surrogate (U+{ord(char):04X}), which is not a "
                "character: type the text again."
            ),
            position=index,
        )
        for index, cluster in enumerate(clusters)
        for char in cluster
        if _SURROGATE.match(char)
    ]
    if surrogates:
        return _unjudged(clusters, surrogates)
    chars = [(char, index) for index, c in enumerate(clusters) for char in LINE_BREAK.sub("\n", c)]
    kept, removed, errors = _apply_policy(chars, policy, key, label)
    return _compose(_trim(kept), removed, errors)


def _unjudged(clusters: list[str], errors: list[ErrorItem]) -> Text:
    """The text as typed with U+FFFD for each surrogate: a reply carrying a lone surrogate could
    not even be encoded as UTF-8 JSON."""
    shown = tuple(_SURROGATE.sub("\ufffd", cluster) for cluster in clusters)
    return Text("".join(shown), shown, tuple(range(len(shown))), errors=tuple(errors), stopped=True)


def _apply_policy(
    chars: list[tuple[str, int]], policy: InvisiblePolicy, key: str, label: str
) -> tuple[list[tuple[str, int]], list[Removal], list[ErrorItem]]:
    kept: list[tuple[str, int]] = []
    removed: list[Removal] = []
    errors: list[ErrorItem] = []
    for char, origin in chars:
        refusal = _refusal(char, kept[-1][0] if kept else None)
        if refusal is ErrorCode.INVISIBLE_CHARACTER and policy is InvisiblePolicy.STRIP:
            removed.append(Removal(position=origin, character=code_point(char)))
            continue
        if refusal is not None:  # refused characters stay in the value: never silently fixed
            message = _REFUSAL[refusal].format(label=label, char=code_point(char))
            errors.append(ErrorItem(field=key, code=refusal, message=message, position=origin))
        kept.append((char, origin))
    return kept, removed, errors


def _refusal(char: str, previous: str | None) -> ErrorCode | None:
    if char in BIDI_CONTROLS:
        return ErrorCode.BIDI_CONTROL
    category = unicodedata.category(char)
    if category == "Cc" and char != "\n":
        return ErrorCode.CONTROL_CHARACTER
    if char in JOINERS:
        return None if _joinable(previous) else ErrorCode.INVISIBLE_CHARACTER
    if char in INVISIBLE or category == "Cf":
        return ErrorCode.INVISIBLE_CHARACTER
    return None


def _joinable(previous: str | None) -> bool:
    """A joiner only means something after a visible base (or another joiner after one). After
    white space it would lead the value once trimmed, so it counts as leading too."""
    if previous is None:
        return False
    return previous in JOINERS or unicodedata.category(previous) not in ("Zs", "Cc", "Cf")


def _is_space(char: str) -> bool:
    return char == "\n" or unicodedata.category(char) == "Zs"


def _trim(kept: list[tuple[str, int]]) -> list[tuple[str, int]]:
    start, end = 0, len(kept)
    while start < end and _is_space(kept[start][0]):
        start += 1
    while end > start and _is_space(kept[end - 1][0]):
        end -= 1
    return kept[start:end]


def _compose(kept: list[tuple[str, int]], removed: list[Removal], errors: list[ErrorItem]) -> Text:
    """NFC, applied last so that a mark brought next to its base by a removal composes too.
    Cluster by cluster, which equals NFC of the whole (nothing composes across a cluster
    boundary) and tells where each composed character came from."""
    text = "".join(char for char, _ in kept)
    pieces: list[str] = []
    origin_of: list[int] = []
    offset = 0
    for cluster in GRAPHEME.findall(text):
        composed = unicodedata.normalize("NFC", cluster)
        pieces.append(composed)
        origin_of.extend([kept[offset][1]] * len(composed))
        offset += len(cluster)
    value = "".join(pieces)
    clusters = tuple(GRAPHEME.findall(value))
    origins, start = [], 0
    for cluster in clusters:
        origins.append(origin_of[start])
        start += len(cluster)
    return Text(value, clusters, tuple(origins), tuple(removed), tuple(errors))
