"""Laying text out in a zone box: shaping, line breaking, alignment, measurement, auto-fit.

Geometry, all in millimetres with the y axis down and the origin at the box's top-left:
- the font size is the em size; every line box is `size_mm * line_height` tall and the font's
  ascent + descent sits centred in it (CSS half-leading), so the block is `lines * pitch` tall;
- a line's width is the sum of its glyph advances (kerning included), trailing spaces excluded;
- `align` places each line: "start" is left for a left-to-right paragraph and right for a
  right-to-left one, "end" the opposite; `valign` places the block in the box.
Lines are found greedily: each takes as many break opportunities as fit the box width, measured
by shaping the candidate line itself; a word wider than the box is cut between grapheme clusters.
A result never hides text: lines that overflow are laid out and flagged (too wide, too many
lines, too tall), so the preview shows the shopper what does not fit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from atelier.typeset.breaking import break_opportunities, grapheme_starts, paragraphs, trim_end
from atelier.typeset.face import Face, Shaped, font_face
from atelier.typeset.itemize import Run, line_runs, paragraph_level, resolve_levels, resolve_scripts
from atelier.typeset.scene import Contour, Path, Scene

Align = Literal["start", "center", "end"]
VerticalAlign = Literal["top", "middle", "bottom"]
Direction = Literal["auto", "ltr", "rtl"]

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# Sizes and widths come from float arithmetic; a line exactly as wide as the box must fit.
_EPSILON_MM = 1e-6
# Texts whose shaping is kept (a few kB each): the hot zones of a busy process.
_SHAPED_TEXTS = 4096


@dataclass(frozen=True)
class Box:
    width_mm: float
    height_mm: float

    def __post_init__(self) -> None:
        for name in ("width_mm", "height_mm"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Box.{name} must be a positive number of mm")


@dataclass(frozen=True)
class TextStyle:
    font_id: str
    size_mm: float
    align: Align = "start"
    valign: VerticalAlign = "top"
    line_height: float = 1.2
    colour: str = "#000000"
    direction: Direction = "auto"  # "auto": each paragraph's first strong character decides

    def __post_init__(self) -> None:
        if not self.size_mm > 0:
            raise ValueError("TextStyle.size_mm must be a positive number of mm")
        if not self.line_height > 0:
            raise ValueError("TextStyle.line_height must be positive (1.2 = 120% of the size)")
        _require_choice("align", self.align, ("start", "center", "end"))
        _require_choice("valign", self.valign, ("top", "middle", "bottom"))
        _require_choice("direction", self.direction, ("auto", "ltr", "rtl"))
        if not _COLOUR.fullmatch(self.colour):
            raise ValueError(f"TextStyle.colour must be #rrggbb, got {self.colour!r}")


def _require_choice(field: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"TextStyle.{field} must be one of {', '.join(choices)}; got {value!r}")


@dataclass(frozen=True)
class Glyph:
    id: int  # glyph id in the font
    cluster: int  # index in the laid-out text of the first character this glyph draws
    x_mm: float  # glyph origin, offsets applied
    y_mm: float  # baseline, offsets applied (y down)
    advance_mm: float


@dataclass(frozen=True)
class Line:
    start: int  # text[start:end] is the line's text, trailing spaces excluded
    end: int
    rtl: bool  # direction of the line's paragraph
    x_mm: float  # left edge of the advance box after alignment
    top_mm: float
    baseline_mm: float
    width_mm: float
    height_mm: float  # the line pitch
    glyphs: tuple[Glyph, ...]  # left to right (visual order)


@dataclass(frozen=True)
class Layout:
    text: str
    style: TextStyle
    box: Box
    max_lines: int | None
    lines: tuple[Line, ...]
    width_mm: float  # the widest line
    height_mm: float  # all lines
    too_wide: bool  # a line is wider than the box (a grapheme cluster alone is)
    too_many_lines: bool
    too_tall: bool

    @property
    def fits(self) -> bool:
        return not (self.too_wide or self.too_many_lines or self.too_tall)

    def scene(self) -> Scene:
        """The glyphs' outlines placed and scaled into the box, one filled path per glyph."""
        face = font_face(self.style.font_id)
        scale = self.style.size_mm / face.units_per_em
        paths = []
        for line in self.lines:
            for glyph in line.glyphs:
                contours = face.outline(glyph.id)
                if contours:
                    placed = tuple(_place(c, glyph.x_mm, glyph.y_mm, scale) for c in contours)
                    paths.append(Path(placed, self.style.colour.lower()))
        return Scene(self.box.width_mm, self.box.height_mm, tuple(paths))


def _place(contour: Contour, x_mm: float, y_mm: float, scale: float) -> Contour:
    def point(p: tuple[float, float]) -> tuple[float, float]:
        return (x_mm + p[0] * scale, y_mm - p[1] * scale)  # font y is up, the scene's down

    return Contour(point(contour.start), tuple(tuple(map(point, s)) for s in contour.segments))


def layout(text: str, style: TextStyle, box: Box, max_lines: int | None = None) -> Layout:
    """Shape, break and place `text` in `box`. Never raises for text that does not fit: see the
    overflow flags. Raises LookupError for an unknown font id."""
    _check_max_lines(max_lines)
    return _place_lines(text, _shaped_text(text, style.font_id, style.direction), style, box,
                        max_lines)


def _check_max_lines(max_lines: int | None) -> None:
    if max_lines is not None and max_lines < 1:
        raise ValueError("max_lines must be at least 1 (or None for no limit)")


def _place_lines(
    text: str, paragraphs: tuple[_Paragraph, ...], style: TextStyle, box: Box,
    max_lines: int | None,
) -> Layout:
    scale = style.size_mm / paragraphs[0].face.units_per_em if paragraphs else 0.0
    placed = [(paragraph, s, e) for paragraph in paragraphs
              for s, e in paragraph.breaks(box.width_mm, scale)]
    pitch = style.size_mm * style.line_height
    block = len(placed) * pitch
    top = {"top": 0.0, "middle": (box.height_mm - block) / 2, "bottom": box.height_mm - block}
    lines = tuple(
        paragraph.line(s, e, top[style.valign] + i * pitch, box.width_mm, style, scale)
        for i, (paragraph, s, e) in enumerate(placed)
    )
    widest = max((line.width_mm for line in lines), default=0.0)
    too_wide, too_many_lines, too_tall = _overflow(widest, len(lines), block, box, max_lines)
    return Layout(
        text=text,
        style=style,
        box=box,
        max_lines=max_lines,
        lines=lines,
        width_mm=widest,
        height_mm=block,
        too_wide=too_wide,
        too_many_lines=too_many_lines,
        too_tall=too_tall,
    )


def _overflow(
    widest_mm: float, lines: int, block_mm: float, box: Box, max_lines: int | None
) -> tuple[bool, bool, bool]:
    """too wide, too many lines, too tall."""
    return (
        widest_mm > box.width_mm + _EPSILON_MM,
        max_lines is not None and lines > max_lines,
        block_mm > box.height_mm + _EPSILON_MM,
    )


def _fits(
    paragraphs: tuple[_Paragraph, ...], size_mm: float, line_height: float, box: Box,
    max_lines: int | None,
) -> bool:
    """`layout(...).fits` without placing glyphs: the breaks and widths alone."""
    scale = size_mm / paragraphs[0].face.units_per_em if paragraphs else 0.0
    widths = [paragraph.width(s, e, scale) for paragraph in paragraphs
              for s, e in paragraph.breaks(box.width_mm, scale)]
    block = len(widths) * (size_mm * line_height)  # as `layout` computes it, to the last bit
    return not any(_overflow(max(widths, default=0.0), len(widths), block, box, max_lines))


def _shaped_text(text: str, font_id: str, direction: Direction) -> tuple[_Paragraph, ...]:
    """The paragraphs of `text` analysed for `font_id`; the same text in the same face is
    analysed once and its shaped lines kept (auto-fit tries several sizes, and a shopper's
    unchanged zones come back with every keystroke)."""
    return _analyse(text, font_face(font_id), direction)


@lru_cache(maxsize=_SHAPED_TEXTS)
def _analyse(text: str, face: Face, direction: Direction) -> tuple[_Paragraph, ...]:
    # keyed by the Face object: a brand font registered again under its id is a new face
    return tuple(_Paragraph(text, start, end, face, direction) for start, end in paragraphs(text))


class _Paragraph:
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
        if self.width(0, whole, scale) <= width_mm + _EPSILON_MM:
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
            if self.width(start, trim_end(self.text, start, cut), scale) > width_mm + _EPSILON_MM:
                break
            best = cut
        return best

    def line(
        self, start: int, end: int, top_mm: float, box_width_mm: float, style: TextStyle,
        scale: float,
    ) -> Line:
        width = self.width(start, end, scale)
        rtl = self.base == 1
        on_right = style.align == ("start" if rtl else "end")
        if style.align == "center":
            x = (box_width_mm - width) / 2
        else:
            x = box_width_mm - width if on_right else 0.0
        half_leading = (style.line_height - self.face.ascender - self.face.descender) / 2
        baseline = top_mm + (half_leading + self.face.ascender) * style.size_mm
        glyphs, pen = [], x
        for _, shaped in self.shaped(start, end)[0]:
            for glyph in shaped:
                glyphs.append(
                    Glyph(
                        id=glyph.id,
                        cluster=self.offset + glyph.cluster,
                        x_mm=pen + glyph.x_offset * scale,
                        y_mm=baseline - glyph.y_offset * scale,
                        advance_mm=glyph.advance * scale,
                    )
                )
                pen += glyph.advance * scale
        return Line(
            start=self.offset + start,
            end=self.offset + end,
            rtl=rtl,
            x_mm=x,
            top_mm=top_mm,
            baseline_mm=baseline,
            width_mm=width,
            height_mm=style.size_mm * style.line_height,
            glyphs=tuple(glyphs),
        )


def fits(text: str, style: TextStyle, box: Box, max_lines: int | None = None) -> bool:
    _check_max_lines(max_lines)
    paragraphs = _shaped_text(text, style.font_id, style.direction)
    return _fits(paragraphs, style.size_mm, style.line_height, box, max_lines)


def autofit(
    text: str,
    style: TextStyle,
    box: Box,
    min_size: float,
    max_size: float,
    step: float,
    max_lines: int | None = None,
) -> float | None:
    """The largest size on the grid min_size + k·step (≤ max_size) at which the text fits, or
    None when even min_size does not. Whatever it returns fits and the next size up does not.

    Bisection, because fitting is monotonic in size: laying out at size s is laying out at size 1
    in a box of (W/s, H/s), as shaping happens unhinted in font units and every length scales by
    s. A narrower box never gives greedy breaking fewer lines, nor a line a smaller width, as long
    as a longer piece of text is never narrower than a shorter one — true of sums of advances, and
    off only by a kerning pair's fraction of an em. And the search keeps, by construction, a size
    that fits (lo) next to one that does not (lo + 1), so the promise above holds regardless.
    """
    if not 0 < min_size <= max_size or not step > 0:
        raise ValueError("autofit needs 0 < min_size <= max_size and step > 0")
    _check_max_lines(max_lines)

    def size(k: int) -> float:
        return round(min_size + k * step, 9)

    paragraphs = _shaped_text(text, style.font_id, style.direction)

    def fits_at(k: int) -> bool:
        return _fits(paragraphs, size(k), style.line_height, box, max_lines)

    top = math.floor((max_size - min_size) / step + 1e-9)
    if text:  # one line is size·line_height tall: larger sizes cannot fit the box's height
        while top >= 0 and size(top) * style.line_height > box.height_mm + _EPSILON_MM:
            top -= 1
    if top < 0 or not fits_at(0):
        return None
    if fits_at(top):
        return size(top)
    lo, hi = 0, top  # fits_at(lo) and not fits_at(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits_at(mid) else (lo, mid)
    return size(lo)
