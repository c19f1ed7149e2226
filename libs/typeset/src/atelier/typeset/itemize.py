"""Cutting a paragraph into runs HarfBuzz can shape (one direction, one script), in visual order.

Direction comes from a subset of the Unicode Bidirectional Algorithm (UAX #9), written here
rather than taken from `python-bidi`: that package's supported API (`get_display`) returns a
reordered *string*, which is the wrong thing to shape — Arabic must be shaped in logical order
with its run direction, and only whole shaped runs reordered. What the subset does:
- P2/P3: the paragraph level is that of the first strong character (LTR if none);
- W1-W7 (weak types: marks, European/Arabic numbers and their separators and terminators),
  N0 (paired brackets take one direction together, from what they enclose and what precedes
  them: "שלום abc (def)" keeps its closing parenthesis with "def", as browsers show it),
  N1-N2 (neutrals take the direction of the strong text around them), I1-I2 (implicit levels);
- L1 (trailing whitespace of a line goes to the paragraph level) and L2 (reversal of runs).
What it leaves out, because personalization text does not carry them (the rules engine refuses
them): explicit embeddings and overrides (X1-X8: LRE/RLE/LRO/RLO/PDF are removed, as in X9) and
isolates (LRI/RLI/FSI/PDI act as plain neutrals). The tests hold the result against
`python-bidi`'s full implementation (Unicode 15) on random mixed Latin/Hebrew/Arabic text with
brackets.

Scripts come from the Unicode Scripts property (fontTools ships the data); Common and
Inherited characters (spaces, punctuation, combining marks) join the script before them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from unicodedata import bidirectional, category, mirrored

from fontTools.unicodedata import script as unicode_script

_REMOVED = frozenset({"BN", "LRE", "RLE", "LRO", "RLO", "PDF"})
_ISOLATES = frozenset({"LRI", "RLI", "FSI", "PDI"})
_TRAILING_RESET = frozenset({"WS", "BN", "LRE", "RLE", "LRO", "RLO", "PDF"}) | _ISOLATES
_NO_SCRIPT = frozenset({"Zyyy", "Zinh", "Zzzz"})
_BRACKET_STACK = 63  # BD16: past this depth of open brackets, no more pairs are found
_SAME_BRACKET = {"\u2329": "\u3008", "\u232a": "\u3009"}  # canonically equivalent (BD16)
# the pairs of BidiBrackets.txt that are not the next code point (or two on, fullwidth)
_CROSSED_BRACKETS = {"\u298d": "\u2990", "\u298f": "\u298e"}


@dataclass(frozen=True)
class Run:
    """text[start:end] at one embedding level (odd = right-to-left) in one script."""

    start: int
    end: int
    level: int
    script: str | None

    @property
    def rtl(self) -> bool:
        return self.level % 2 == 1


@lru_cache(maxsize=4096)
def _bidi_class(char: str) -> str:
    kind = bidirectional(char) or "L"  # unassigned code points default to L
    return "ON" if kind in _ISOLATES else kind


def paragraph_level(text: str) -> int:
    """P2/P3: 1 when the first strong character is right-to-left, else 0."""
    if text.isascii():  # no ASCII character is strongly right-to-left
        return 0
    for char in text:
        kind = _bidi_class(char)
        if kind == "L":
            return 0
        if kind in ("R", "AL"):
            return 1
    return 0


def resolve_levels(text: str, base: int) -> list[int]:
    """The embedding level of every character of one paragraph (rules W1-W7, N1-N2, I1-I2)."""
    if base == 0 and text.isascii():
        # ASCII has no R, AL or AN: numbers become L after the L start of text (W7), neutrals
        # between L and L are L (N1), so everything is at level 0 (the common case, made cheap)
        return [0] * len(text)
    return _resolve_levels(text, base)


def _resolve_levels(text: str, base: int) -> list[int]:
    kept = [i for i, char in enumerate(text) if _bidi_class(char) not in _REMOVED]
    types = [_bidi_class(text[i]) for i in kept]
    original = list(types)
    sos = "R" if base % 2 else "L"
    _resolve_weak(types, sos)
    _resolve_brackets([text[i] for i in kept], types, original, sos)
    _resolve_neutral(types, sos)
    levels = [base] * len(text)
    for i, kind in zip(kept, types, strict=True):
        levels[i] = _implicit_level(kind, base)
    # X9 removed characters take the level of what precedes them, so they never split a run.
    for i in range(1, len(text)):
        if _bidi_class(text[i]) in _REMOVED:
            levels[i] = levels[i - 1]
    return levels


def _resolve_weak(types: list[str], sos: str) -> None:
    previous = sos
    for i, kind in enumerate(types):  # W1: a mark takes the type of what it marks
        if kind == "NSM":
            types[i] = previous
        previous = types[i]
    strong = sos
    for i, kind in enumerate(types):  # W2: digits after Arabic letters are Arabic numbers
        if kind in ("L", "R", "AL"):
            strong = kind
        elif kind == "EN" and strong == "AL":
            types[i] = "AN"
    types[:] = ["R" if kind == "AL" else kind for kind in types]  # W3
    for i in range(1, len(types) - 1):  # W4: one separator between two numbers of a kind
        before, kind, after = types[i - 1], types[i], types[i + 1]
        if kind == "ES" and before == after == "EN":
            types[i] = "EN"
        elif kind == "CS" and before == after and before in ("EN", "AN"):
            types[i] = before
    for start, end in _spans([kind == "ET" for kind in types]):  # W5: terminators join numbers
        if (start > 0 and types[start - 1] == "EN") or (end < len(types) and types[end] == "EN"):
            types[start:end] = ["EN"] * (end - start)
    strong = sos
    for i, kind in enumerate(types):  # W7: European numbers in left-to-right context are L
        if kind in ("L", "R"):
            strong = kind
        elif kind == "EN" and strong == "L":
            types[i] = "L"


@lru_cache(maxsize=1024)
def _bracket(char: str) -> tuple[str, str] | None:
    """("open", its closing bracket) or ("close", itself), for the paired brackets of UAX #9
    (BidiBrackets.txt: mirrored opening and closing punctuation, paired with their mirror, the
    next code point but for the fullwidth square and curly brackets, two further on, and two
    crossed pairs). Python has no Bidi_Paired_Bracket data: a test checks every pair."""
    char = _SAME_BRACKET.get(char, char)
    if not mirrored(char):
        return None
    if category(char) == "Ps":
        if char in _CROSSED_BRACKETS:
            return ("open", _CROSSED_BRACKETS[char])
        following = chr(ord(char) + 1)
        closing = following if category(following) == "Pe" else chr(ord(char) + 2)
        return ("open", closing)
    return ("close", char) if category(char) == "Pe" else None


def _bracket_pairs(chars: list[str], types: list[str]) -> list[tuple[int, int]]:
    """BD16: the positions of paired brackets, by their opening bracket."""
    pairs: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []  # (the closing bracket awaited, where its opening one is)
    for i, char in enumerate(chars):
        bracket = _bracket(char) if types[i] == "ON" else None
        if bracket is None:
            continue
        kind, closing = bracket
        if kind == "open":
            if len(stack) == _BRACKET_STACK:
                break
            stack.append((closing, i))
            continue
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == closing:
                pairs.append((stack[depth][1], i))
                del stack[depth:]
                break
    return sorted(pairs)


def _resolve_brackets(chars: list[str], types: list[str], original: list[str], sos: str) -> None:
    """N0: each pair of brackets takes the embedding direction when it encloses text of that
    direction, else the other direction when it encloses that and is preceded by it."""
    if not any(_bracket(char) for char in chars):
        return
    for opening, closing in _bracket_pairs(chars, types):
        inside = {_strong_direction(kind) for kind in types[opening + 1 : closing]} - {None}
        if not inside:
            continue  # N0 d: nothing strong inside, the brackets stay neutral
        direction = sos
        if sos not in inside:  # N0 c: only the opposite direction inside
            before = next((d for kind in reversed(types[:opening])
                           if (d := _strong_direction(kind)) is not None), sos)
            direction = before
        for bracket in (opening, closing):
            types[bracket] = direction
            # marks that followed a bracket (W1 gave them its ON) go with it
            after = bracket + 1
            while after < len(types) and original[after] == "NSM":
                types[after] = direction
                after += 1


def _strong_direction(kind: str) -> str | None:
    if kind == "L":
        return "L"
    # N1: numbers count as R; W6: separators and terminators left over are neutral like ON.
    return "R" if kind in ("R", "EN", "AN") else None


def _resolve_neutral(types: list[str], sos: str) -> None:
    for start, end in _spans([_strong_direction(kind) is None for kind in types]):
        # a maximal neutral span is bounded by strong types, or by the paragraph's ends (sos)
        before = (_strong_direction(types[start - 1]) if start > 0 else None) or sos
        after = (_strong_direction(types[end]) if end < len(types) else None) or sos
        types[start:end] = [before if before == after else sos] * (end - start)  # N1, else N2


def _implicit_level(kind: str, base: int) -> int:
    if base % 2 == 0:
        return base + {"R": 1, "AN": 2, "EN": 2}.get(kind, 0)  # I1
    return base + (1 if kind in ("L", "EN", "AN") else 0)  # I2


def _spans(flags: list[bool]) -> list[tuple[int, int]]:
    """Maximal [start, end) stretches where the flag is set."""
    spans: list[tuple[int, int]] = []
    start = None
    for i, inside in enumerate([*flags, False]):
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            spans.append((start, i))
            start = None
    return spans


def resolve_scripts(text: str) -> list[str | None]:
    """The script (ISO 15924) of every character; Common/Inherited join their neighbours."""
    if text.isascii():  # letters are Latin, everything else Common: it all joins the letters
        return [_script("a") if any(c.isalpha() for c in text) else None] * len(text)
    return _resolve_scripts(text)


def _resolve_scripts(text: str) -> list[str | None]:
    scripts: list[str | None] = [_script(char) for char in text]
    previous = None
    for i, script in enumerate(scripts):
        if script is None:
            scripts[i] = previous
        previous = scripts[i]
    following = None  # characters before the first real script take that script
    for i in range(len(scripts) - 1, -1, -1):
        if scripts[i] is None:
            scripts[i] = following
        following = scripts[i]
    return scripts


@lru_cache(maxsize=4096)
def _script(char: str) -> str | None:
    script = unicode_script(char)
    return None if script in _NO_SCRIPT else script


def line_runs(
    text: str, levels: list[int], scripts: list[str | None], start: int, end: int, base: int
) -> list[Run]:
    """The runs of the line text[start:end] in visual order, left to right (L1, L2)."""
    line_levels = levels[start:end]
    for i in range(end - start - 1, -1, -1):  # L1: trailing whitespace at paragraph level
        if bidirectional(text[start + i]) not in _TRAILING_RESET:
            break
        line_levels[i] = base
    runs: list[Run] = []
    run_start = start
    for i in range(start + 1, end + 1):
        if (
            i == end
            or line_levels[i - start] != line_levels[run_start - start]
            or (scripts[i] != scripts[run_start])
        ):
            runs.append(Run(run_start, i, line_levels[run_start - start], scripts[run_start]))
            run_start = i
    return _reorder(runs)


def _reorder(runs: list[Run]) -> list[Run]:
    """L2: from the highest level down to the lowest odd one, reverse every stretch at or above."""
    odd = [run.level for run in runs if run.rtl]
    if not odd:
        return runs
    order = list(runs)
    for level in range(max(run.level for run in runs), min(odd) - 1, -1):
        for start, end in _spans([run.level >= level for run in order]):
            order[start:end] = order[start:end][::-1]
    return order
