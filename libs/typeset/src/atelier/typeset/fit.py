"""Does the text fit, and the largest size at which it does: the real shaped text measured
(DESIGN §6), its breaks and widths alone, without placing glyphs."""

from __future__ import annotations

import math

from atelier.typeset.layout import check_max_lines, overflow
from atelier.typeset.paragraph import Paragraph, shaped_text
from atelier.typeset.style import EPSILON_MM, Box, TextStyle


def _fits(
    paragraphs: tuple[Paragraph, ...], size_mm: float, line_height: float, box: Box,
    max_lines: int | None,
) -> bool:
    """`layout(...).fits` without placing glyphs: the breaks and widths alone."""
    scale = size_mm / paragraphs[0].face.units_per_em if paragraphs else 0.0
    widths = [paragraph.width(s, e, scale) for paragraph in paragraphs
              for s, e in paragraph.breaks(box.width_mm, scale)]
    block = len(widths) * (size_mm * line_height)  # as `layout` computes it, to the last bit
    return not any(overflow(max(widths, default=0.0), len(widths), block, box, max_lines))


def fits(text: str, style: TextStyle, box: Box, max_lines: int | None = None) -> bool:
    check_max_lines(max_lines)
    paragraphs = shaped_text(text, style.font_id, style.direction)
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
    check_max_lines(max_lines)

    def size(k: int) -> float:
        return round(min_size + k * step, 9)

    paragraphs = shaped_text(text, style.font_id, style.direction)

    def fits_at(k: int) -> bool:
        return _fits(paragraphs, size(k), style.line_height, box, max_lines)

    top = math.floor((max_size - min_size) / step + 1e-9)
    if text:  # one line is size·line_height tall: larger sizes cannot fit the box's height
        while top >= 0 and size(top) * style.line_height > box.height_mm + EPSILON_MM:
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
