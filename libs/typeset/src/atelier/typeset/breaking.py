"""Where text may be cut: paragraphs, grapheme clusters and line break opportunities.

Break opportunities follow a simplified UAX #14: a line may break after a run of breaking
spaces, after a zero width space, and after a hyphen or en dash that stands between two
non-space characters (but not in "-5" style before a digit). No-break spaces (U+00A0, U+2007,
U+202F) never break. Every opportunity is a grapheme cluster boundary (UAX #29, from `regex`'s
\\X), so a base letter is never separated from its combining marks.
"""

from __future__ import annotations

import re

import regex

_GRAPHEME = regex.compile(r"\X")
_MANDATORY_BREAK = re.compile(r"\r\n|[\n\r\v\f\x85\u2028\u2029]")
BREAKING_SPACES = frozenset(
    " \t\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000"
)
_HYPHENS = frozenset("-\u2010\u2013")
_ZERO_WIDTH_SPACE = "\u200b"


def paragraphs(text: str) -> list[tuple[int, int]]:
    """[start, end) of each paragraph: text between mandatory breaks (newlines). Empty text has
    no paragraph; "a\n" has two, the second empty."""
    if not text:
        return []
    spans, start = [], 0
    for match in _MANDATORY_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def grapheme_starts(text: str) -> list[int]:
    """The index at which each grapheme cluster of `text` starts."""
    if text.isascii() and "\r" not in text:  # in ASCII only CR LF is a cluster of two
        return list(range(len(text)))
    return _grapheme_starts(text)


def _grapheme_starts(text: str) -> list[int]:
    return [match.start() for match in _GRAPHEME.finditer(text)]


def break_opportunities(text: str, start: int, end: int) -> list[int]:
    """Indices p in (start, end) before which text[start:end] may break, ascending."""
    boundaries = set(grapheme_starts(text[start:end]))
    found = []
    for p in range(start + 1, end):
        before, after = text[p - 1], text[p]
        if p - start not in boundaries or after in BREAKING_SPACES:
            continue
        if (
            before in BREAKING_SPACES
            or before == _ZERO_WIDTH_SPACE
            or (
                before in _HYPHENS
                and p - 2 >= start
                and text[p - 2] not in BREAKING_SPACES
                and not after.isdigit()
            )
        ):
            found.append(p)
    return found


def trim_end(text: str, start: int, end: int) -> int:
    """End of text[start:end] without trailing breaking spaces, which hang past the line."""
    while end > start and text[end - 1] in BREAKING_SPACES:
        end -= 1
    return end
