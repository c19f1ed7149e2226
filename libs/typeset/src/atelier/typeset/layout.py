"""Laying text out in a zone box: its paragraphs shaped and broken (`paragraph`), their lines
aligned and their glyphs placed, the result measured and flagged.

Geometry, all in millimetres with the y axis down and the origin at the box's top-left:
- the font size is the em size; every line box is `size_mm * line_height` tall and the font's
  ascent + descent sits centred in it (CSS half-leading), so the block is `lines * pitch` tall;
- a line's width is the sum of its glyph advances (kerning included), trailing spaces excluded;
- `align` places each line: "start" is left for a left-to-right paragraph and right for a
  right-to-left one, "end" the opposite; `valign` places the block in the box.
A result never hides text: lines that overflow are laid out and flagged (too wide, too many
lines, too tall), so the preview shows the shopper what does not fit.
"""

from __future__ import annotations

from dataclasses import dataclass

from atelier.typeset.face import font_face
from atelier.typeset.paragraph import Paragraph, shaped_text
from atelier.typeset.scene import Contour, Path, Scene
from atelier.typeset.style import EPSILON_MM, Box, TextStyle


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
    check_max_lines(max_lines)
    return _place_lines(text, shaped_text(text, style.font_id, style.direction), style, box,
                        max_lines)


def check_max_lines(max_lines: int | None) -> None:
    if max_lines is not None and max_lines < 1:
        raise ValueError("max_lines must be at least 1 (or None for no limit)")


def _place_lines(
    text: str, paragraphs: tuple[Paragraph, ...], style: TextStyle, box: Box,
    max_lines: int | None,
) -> Layout:
    scale = style.size_mm / paragraphs[0].face.units_per_em if paragraphs else 0.0
    placed = [(paragraph, s, e) for paragraph in paragraphs
              for s, e in paragraph.breaks(box.width_mm, scale)]
    pitch = style.size_mm * style.line_height
    block = len(placed) * pitch
    top = {"top": 0.0, "middle": (box.height_mm - block) / 2, "bottom": box.height_mm - block}
    lines = tuple(
        _place_line(paragraph, s, e, top[style.valign] + i * pitch, box.width_mm, style, scale)
        for i, (paragraph, s, e) in enumerate(placed)
    )
    widest = max((line.width_mm for line in lines), default=0.0)
    too_wide, too_many_lines, too_tall = overflow(widest, len(lines), block, box, max_lines)
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


def overflow(
    widest_mm: float, lines: int, block_mm: float, box: Box, max_lines: int | None
) -> tuple[bool, bool, bool]:
    """too wide, too many lines, too tall."""
    return (
        widest_mm > box.width_mm + EPSILON_MM,
        max_lines is not None and lines > max_lines,
        block_mm > box.height_mm + EPSILON_MM,
    )


def _place_line(
    paragraph: Paragraph, start: int, end: int, top_mm: float, box_width_mm: float,
    style: TextStyle, scale: float,
) -> Line:
    """The line paragraph.text[start:end] aligned in the box, its glyphs placed, in mm."""
    width = paragraph.width(start, end, scale)
    rtl = paragraph.base == 1
    on_right = style.align == ("start" if rtl else "end")
    if style.align == "center":
        x = (box_width_mm - width) / 2
    else:
        x = box_width_mm - width if on_right else 0.0
    half_leading = (style.line_height - paragraph.face.ascender - paragraph.face.descender) / 2
    baseline = top_mm + (half_leading + paragraph.face.ascender) * style.size_mm
    glyphs, pen = [], x
    for _, shaped in paragraph.shaped(start, end)[0]:
        for glyph in shaped:
            glyphs.append(
                Glyph(
                    id=glyph.id,
                    cluster=paragraph.offset + glyph.cluster,
                    x_mm=pen + glyph.x_offset * scale,
                    y_mm=baseline - glyph.y_offset * scale,
                    advance_mm=glyph.advance * scale,
                )
            )
            pen += glyph.advance * scale
    return Line(
        start=paragraph.offset + start,
        end=paragraph.offset + end,
        rtl=rtl,
        x_mm=x,
        top_mm=top_mm,
        baseline_mm=baseline,
        width_mm=width,
        height_mm=style.size_mm * style.line_height,
        glyphs=tuple(glyphs),
    )
