"""Paragraphs analysed, shaped and broken into lines, in font units; whole texts' analyses cached.

Lines are found greedily: each takes as many break opportunities as fit the box width, measured
by shaping the candidate line itself; a word wider than the box is cut between grapheme clusters.
"""

from __future__ import annotations

from functools import lru_cache

from atelier.typeset.breaking import break_opportunities, grapheme_starts, paragraphs, trim_end
from atelier.typeset.face import Face, Shaped, font_face
from atelier.typeset.itemize import Run, line_runs, paragraph_level, resolve_levels, resolve_scripts
from atelier.typeset.style import EPSILON_MM, Direction

# Texts whose shaping is kept (a few kB each): the hot zones of a busy process.
_SHAPED_TEXTS = 4096


def shaped_text(text: str, font_id: str, direction: Direction) -> tuple[Paragraph, ...]:
    """The paragraphs of `text` analysed for `font_id`; the same text in the same face is
    analysed once and its shaped lines kept (auto-fit tries several sizes, and a shopper's
    unchanged zones come back with every keystroke)."""
    return _analyse(text, font_face(font_id), direction)


@lru_cache(maxsize=_SHAPED_TEXTS)
def _analyse(text: str, face: Face, direction: Direction) -> tuple[Paragraph, ...]:
    # keyed by the Face object: a brand font registered again under its id is a new face
    return tuple(Paragraph(text, start, end, face, direction) for start, end in paragraphs(text))


class Paragraph:
    """One paragraph's bidi levels and scripts, and its shaped candidate lines, memoized: the
    breaker measures a line by shaping it, and neither the chosen line nor the same line at
    another size is shaped again. Shaping is unhinted, in font units: sizes only scale it."""

    def __init__(self, text: str, start: int, end: int, face: Face, direction: Direction) -> None:
        self.text, self.offset, self.face = text[start:end], start, face
        explicit = {"ltr": 0, "rtl": 1}.get(direction)
        self.base = paragraph_level(self.text) if explicit is None else explicit
        self.levels = resolve_levels(self.text, self.base)
        self.scripts = resolve_scripts(self.text)
        self._shaped: dict[tuple[int, int], tuple[list[tuple[Run, list[Shaped]]], int]] = {}
        self._opportunities: list[int] | None = None
    def shaped(self, start: int, end: int) -> tuple[list[tuple[Run, list[Shaped]]], int]:
        """The line text[start:end] (paragraph indices) shaped run by run in visual order, and
        its advance width in font units."""
        key = (start, end)
        found = self._shaped.get(key)
        if found is None:
            runs = line_runs(self.text, self.levels, self.scripts, start, end, self.base)
            shaped = [
                (run, self.face.shape(self.text, run.start, run.end, run.rtl, run.script))
                for run in runs
            ]
            units = sum(glyph.advance for _, glyphs in shaped for glyph in glyphs)
            found = self._shaped[key] = (shaped, units)
        return found

    def width(self, start: int, end: int, scale: float) -> float:
        return self.shaped(start, end)[1] * scale

    def opportunities(self) -> list[int]:
        if self._opportunities is None:
            end = len(self.text)
            self._opportunities = [*break_opportunities(self.text, 0, end), end]
        return self._opportunities

    def breaks(self, width_mm: float, scale: float) -> list[tuple[int, int]]:
        """Greedy line breaking: [start, end) of each line in paragraph indices."""
        end = len(self.text)
        if end == 0:
            return [(0, 0)]  # an empty paragraph still takes a line (e.g. "a\n\nb")
        whole = trim_end(self.text, 0, end)
        if self.width(0, whole, scale) <= width_mm + EPSILON_MM:
            return [(0, whole)]  # the whole paragraph fits: greedy breaking would take it all
        opportunities = self.opportunities()
        lines, start = [], 0
        while start < end:
            # A cut with nothing but spaces before it would make an empty line: not a candidate.
            candidates = [
                p for p in opportunities if p > start and trim_end(self.text, start, p) > start
            ] or [end]
            cut = self._last_fitting(start, candidates, width_mm, scale)
            if cut is None:
                cut = self._cut_word(start, candidates[0], width_mm, scale)
            lines.append((start, trim_end(self.text, start, cut)))
            start = cut
        return lines

    def _cut_word(self, start: int, word_end: int, width_mm: float, scale: float) -> int:
        """Where to cut a word too wide for a line: after as many grapheme clusters as fit, and
        at least one, so that every line makes progress."""
        clusters = [start + g for g in grapheme_starts(self.text[start:word_end])][1:]
        clusters.append(word_end)
        return self._last_fitting(start, clusters, width_mm, scale) or clusters[0]

    def _last_fitting(
        self, start: int, cuts: list[int], width_mm: float, scale: float
    ) -> int | None:
        """The last of the ascending cuts whose line fits, stopping at the first that does not
        (a longer line is not narrower, up to kerning noise the breaker may ignore)."""
        best = None
        for cut in cuts:
            if self.width(start, trim_end(self.text, start, cut), scale) > width_mm + EPSILON_MM:
                break
            best = cut
        return best
