"""Which characters a font cannot draw: the rules engine's "glyph coverage" check."""

from __future__ import annotations

import itertools
import unicodedata

from atelier.typeset.breaking import grapheme_starts
from atelier.typeset.face import Face, font_face


def coverage(font_id: str, text: str) -> list[tuple[int, str]]:
    """(grapheme index, character) of every character the font's cmap lacks, in text order.

    Format characters and controls (newline, ZWJ, bidi marks, variation selectors) are not
    drawn, so never missing. A cluster whose NFC form the font has is covered: HarfBuzz composes
    "e" + U+0301 into "é" when the font has no combining acute.
    """
    face = font_face(font_id)
    if text.isascii() and "\r" not in text:  # a cluster per character; NFC changes nothing
        return [(i, c) for i, c in enumerate(text) if c.isprintable() and not face.has_char(c)]
    return _coverage(face, text)


def _coverage(face: Face, text: str) -> list[tuple[int, str]]:
    bounds = [*grapheme_starts(text), len(text)]
    missing: list[tuple[int, str]] = []
    for index, (start, end) in enumerate(itertools.pairwise(bounds)):
        cluster = text[start:end]
        lacking = [char for char in cluster if _drawn(char) and not face.has_char(char)]
        if lacking and not all(
            face.has_char(c) for c in unicodedata.normalize("NFC", cluster) if _drawn(c)
        ):
            missing.extend((index, char) for char in lacking)
    return missing


def _drawn(char: str) -> bool:
    return unicodedata.category(char) not in ("Cc", "Cf") and not (
        "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"
    )
