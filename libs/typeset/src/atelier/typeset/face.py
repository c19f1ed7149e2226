"""Fonts loaded once and kept: the HarfBuzz font that shapes, the fontTools glyph set that draws.

Loading and parsing a font file costs milliseconds, shaping a line microseconds, so a face is
built once per font id and shared by every layout in the process. Shipped fonts are found by id
(`atelier.typeset.fonts.SHIPPED`); a brand's uploaded font is made known with `register_font`.
Everything here is in font units (y up); `layout` scales to millimetres.
"""

from __future__ import annotations

import threading
from functools import cache
from io import BytesIO
from typing import NamedTuple

import uharfbuzz as hb
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

from atelier.typeset.fontcheck import (
    PARSE_ERRORS,
    FontRefused,
    NotAFont,
    check_outlines,
    check_signature,
)
from atelier.typeset.fonts import shipped_font
from atelier.typeset.scene import Contour, Point, Segment


def harfbuzz_version() -> str:
    """The HarfBuzz every shaping goes through (the widget's harfbuzzjs is chosen to match)."""
    return str(hb.version_string())


class Shaped(NamedTuple):
    """One glyph as HarfBuzz placed it, in font units; `cluster` indexes the shaped string.
    (A named tuple: a line makes one per glyph, and a tuple is built several times faster.)"""

    id: int
    cluster: int
    advance: int
    x_offset: int
    y_offset: int


class _ContourPen(BasePen):
    """Collects contours; BasePen splits TrueType's implied on-curve points into quadratics."""

    def __init__(self, glyph_set: object) -> None:
        super().__init__(glyph_set)
        self.contours: list[Contour] = []
        self._start: Point = (0.0, 0.0)
        self._segments: list[Segment] = []

    def _moveTo(self, pt: Point) -> None:
        self._start, self._segments = pt, []

    def _lineTo(self, pt: Point) -> None:
        self._segments.append((pt,))

    def _qCurveToOne(self, pt1: Point, pt2: Point) -> None:
        self._segments.append((pt1, pt2))

    def _curveToOne(self, pt1: Point, pt2: Point, pt3: Point) -> None:
        self._segments.append((pt1, pt2, pt3))

    def _closePath(self) -> None:
        if self._segments:
            self.contours.append(Contour(self._start, tuple(self._segments)))
        self._segments = []

    # A font has no open contours worth drawing differently: filling closes them anyway.
    _endPath = _closePath


class Face:
    """A font ready to shape and draw. Build through `font_face`, not directly."""

    def __init__(self, font_id: str, data: bytes) -> None:
        """Raises ``FontRefused`` for bytes that are not a font or a font that cannot be drawn
        (``atelier.typeset.fontcheck``)."""
        check_signature(data)
        try:
            tt = TTFont(BytesIO(data), lazy=True)
            self.units_per_em: int = tt["head"].unitsPerEm
            self._cmap = frozenset(tt.getBestCmap() or ())
            self._glyph_order = tt.getGlyphOrder()
            self._glyph_set = tt.getGlyphSet()
            check_outlines(tt)
        except FontRefused:
            raise
        except PARSE_ERRORS as exc:
            raise NotAFont(
                f"This is not a TrueType or OpenType font file (.ttf or .otf): {exc}"
            ) from exc
        self.id = font_id
        self._hb = hb.Font(hb.Face(hb.Blob(data)))
        extents = self._hb.get_font_extents("ltr")
        self.ascender = extents.ascender / self.units_per_em  # in em
        self.descender = -extents.descender / self.units_per_em  # in em, positive below baseline
        self._outlines: dict[int, tuple[Contour, ...]] = {}
        # fontTools decompiles glyphs lazily and is not thread-safe while doing so.
        self._lock = threading.Lock()

    def has_char(self, char: str) -> bool:
        return ord(char) in self._cmap

    def shape(self, text: str, start: int, end: int, rtl: bool, script: str | None) -> list[Shaped]:
        """Shape text[start:end] as one run; the rest of `text` is context (Arabic joining)."""
        buffer = hb.Buffer()
        buffer.add_str(text, start, end - start)
        buffer.direction = "rtl" if rtl else "ltr"
        if script:
            buffer.script = script
        buffer.guess_segment_properties()  # fills in what is unset: script if common, language
        hb.shape(self._hb, buffer, {})
        return [
            Shaped(info.codepoint, info.cluster, pos.x_advance, pos.x_offset, pos.y_offset)
            for info, pos in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True)
        ]

    def outline(self, glyph_id: int) -> tuple[Contour, ...]:
        """The glyph's closed contours in font units (y up), from glyf or CFF alike."""
        cached = self._outlines.get(glyph_id)
        if cached is None:
            with self._lock:
                pen = _ContourPen(self._glyph_set)
                self._glyph_set[self._glyph_order[glyph_id]].draw(pen)
                cached = self._outlines[glyph_id] = tuple(pen.contours)
        return cached


_registered: dict[str, Face] = {}


def check_font(data: bytes) -> None:
    """Raise ``FontRefused`` unless the bytes load as a font the engine can shape and draw: the
    check every font passes when it is loaded, run on an upload before anything is kept."""
    Face("upload", data)


def register_font(font_id: str, data: bytes) -> Face:
    """Make an uploaded font known under `font_id` (e.g. its content hash); replaces an older one.

    Raises ``FontRefused`` (a ValueError) when the bytes are not a font the engine can draw, and
    ValueError when the id is a shipped font's.
    """
    try:
        shipped_font(font_id)
    except LookupError:
        face = _registered[font_id] = Face(font_id, data)
        return face
    raise ValueError(f"font id {font_id!r} belongs to a shipped font; choose another id")


def font_face(font_id: str) -> Face:
    """The face for a registered or shipped font id; LookupError names the known ones."""
    return _registered.get(font_id) or _shipped_face(font_id)


@cache
def _shipped_face(font_id: str) -> Face:
    return Face(font_id, shipped_font(font_id).path.read_bytes())
