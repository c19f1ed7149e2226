"""What a font file must be before the engine trusts it: checked once, when it is loaded.

Every font the engine shapes or draws is loaded through `face.Face`, which runs these checks:
brand uploads (the gateway before it stores one, personalization when it records one) and every
font render reads from the object store. A refused file raises `FontRefused`: `NotAFont` when
the bytes are not a plain TrueType or OpenType font, `UndrawableFont` when they are one whose
outlines cannot be drawn safely. The same bytes always get the same verdict.

HarfBuzz guards itself (it bounds nesting and operations in C), but the outlines are drawn by
fontTools, in Python, recursively: a composite glyph built from itself (A → A, or A → B → A),
a CFF subroutine calling itself, or an accented glyph (CFF ``seac``) built on itself recurse until
Python gives up, and nesting that is merely deep, or wide at every level, costs time and memory
that grow with its depth. So the component graph is checked for cycles, depth and size, and
every CFF charstring is run once under the Type 2 limits, before any glyph is drawn.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

from fontTools.encodings.StandardEncoding import StandardEncoding
from fontTools.misc.psCharStrings import SimpleT2Decompiler
from fontTools.ttLib import TTFont, TTLibError

# The first four bytes of a TrueType ("\0\1\0\0", Apple's "true") or OpenType/CFF ("OTTO") file.
# WOFF, WOFF2 and collections (ttcf) are refused: a production file embeds one plain font.
SFNT_SIGNATURES = (b"\x00\x01\x00\x00", b"true", b"OTTO")
UNITS_PER_EM = range(16, 16385)  # what the OpenType 'head' table allows
MAX_COMPONENT_DEPTH = 16  # composite glyphs within composite glyphs; real fonts nest 1 to 4
MAX_COMPONENT_LEAVES = 1024  # outlined glyphs one glyph is made of, counting repeats
MAX_SUBR_DEPTH = 10  # subroutine nesting a Type 2 charstring may use (Adobe TN 5177)
MAX_SUBR_CALLS = 10_000  # subroutine calls one glyph may make, however they nest
# what fontTools raises on a file it cannot parse
PARSE_ERRORS = (TTLibError, KeyError, AssertionError, ValueError, IndexError, TypeError,
                struct.error)


class FontRefused(ValueError):
    """A font the engine will not load; ``code`` is the error code an upload is refused with."""

    code = "invalid_font_file"


class NotAFont(FontRefused):
    """The bytes are not a TrueType or OpenType font."""


class UndrawableFont(FontRefused):
    """A font whose outlines cannot be drawn: drawing a glyph would recurse or explode."""

    code = "font_not_drawable"


def check_signature(data: bytes) -> None:
    if data[:4] not in SFNT_SIGNATURES:
        raise NotAFont("This is not a TrueType or OpenType font file (.ttf or .otf).")


def check_outlines(font: TTFont) -> None:
    """Refuse a font whose glyphs cannot all be drawn in bounded depth and work."""
    units = font["head"].unitsPerEm
    if units not in UNITS_PER_EM:
        raise UndrawableFont(f"The font's units per em ({units}) must be 16 to 16384.")
    components: dict[str, list[str]] = {}
    if "glyf" in font:
        glyf = font["glyf"]
        # read from the raw glyph: the components only, without decoding every outline
        components = {name: glyph.getComponentNames(glyf) for name, glyph in glyf.glyphs.items()}
    for tag in ("CFF ", "CFF2"):
        if tag in font:
            components.update(_charstring_components(font[tag].cff.topDictIndex[0].CharStrings))
    _check_components(components)


def _check_components(components: dict[str, list[str]]) -> None:
    """No glyph is built from itself, none nests deeper than MAX_COMPONENT_DEPTH, and none is
    made of more than MAX_COMPONENT_LEAVES outlined glyphs. A depth-first walk on a stack of its
    own: the check must not recurse as the drawing would."""
    settled: dict[str, tuple[int, int]] = {}  # glyph → (depth of nesting, outlined glyphs)
    for root in components:
        if root in settled:
            continue
        path, on_path = [root], {root}
        pending: list[Iterator[str]] = [iter(components[root])]
        while pending:
            child = next(pending[-1], None)
            if child is None:  # every component of the glyph on top is settled: settle it
                pending.pop()
                done = path.pop()
                on_path.discard(done)
                settled[done] = _measure(done, components[done], settled)
                continue
            if child in settled:
                continue
            if child not in components:
                raise UndrawableFont(
                    f"Glyph {path[-1]!r} is built from {child!r}, which the font does not have.")
            if child in on_path:
                cycle = " → ".join([*path[path.index(child):], child])
                raise UndrawableFont(
                    f"Glyph {child!r} is built from itself ({cycle}): the font cannot be drawn.")
            path.append(child)
            on_path.add(child)
            pending.append(iter(components[child]))


def _measure(name: str, parts: list[str], settled: dict[str, tuple[int, int]]) -> tuple[int, int]:
    """A glyph's nesting depth and outlined glyphs, from its settled components'."""
    if not parts:
        return 0, 1
    depth = 1 + max(settled[part][0] for part in parts)
    if depth > MAX_COMPONENT_DEPTH:
        raise UndrawableFont(
            f"Glyph {name!r} nests components {depth} deep; at most {MAX_COMPONENT_DEPTH} are "
            "drawn.")
    leaves = sum(settled[part][1] for part in parts)
    if leaves > MAX_COMPONENT_LEAVES:
        raise UndrawableFont(
            f"Glyph {name!r} is made of more than {MAX_COMPONENT_LEAVES} outlined glyphs.")
    return depth, leaves


def _charstring_components(charstrings: Any) -> dict[str, list[str]]:
    """Run every CFF charstring once under the Type 2 limits; the glyphs an accented glyph
    (``seac``: ``endchar`` with four arguments) is built from, by glyph name."""
    components: dict[str, list[str]] = {}
    for name in charstrings.keys():
        charstring = charstrings[name]
        private = charstring.private
        run = _BoundedRun(getattr(private, "Subrs", []), charstring.globalSubrs, private, name)
        run.execute(charstring)
        components[name] = run.seac
    return components


class _BoundedRun(SimpleT2Decompiler):
    """fontTools' own charstring interpreter (the one that decodes charstrings for drawing),
    stopped at the Type 2 limits instead of Python's recursion limit."""

    def __init__(self, subrs: Any, global_subrs: Any, private: Any, glyph: str) -> None:
        super().__init__(subrs, global_subrs, private)
        self.glyph = glyph
        self.calls = 0
        self.seac: list[str] = []

    def execute(self, charString: Any, **kwargs: Any) -> None:  # noqa: N803 - fontTools' name
        if len(self.callingStack) > MAX_SUBR_DEPTH:
            raise UndrawableFont(
                f"Glyph {self.glyph!r} nests subroutines deeper than {MAX_SUBR_DEPTH} "
                "(a subroutine that calls itself never ends).")
        self.calls += 1
        if self.calls > MAX_SUBR_CALLS:
            raise UndrawableFont(
                f"Glyph {self.glyph!r} calls subroutines more than {MAX_SUBR_CALLS} times.")
        super().execute(charString, **kwargs)

    def op_endchar(self, index: int) -> None:
        args = self.popall()
        if len(args) >= 4:  # seac: base and accent by their codes in Adobe's standard encoding
            codes = args[-2:]
            if not all(isinstance(c, int) and 0 <= c < len(StandardEncoding) for c in codes):
                raise UndrawableFont(f"Glyph {self.glyph!r} is built from unknown glyphs.")
            self.seac = [StandardEncoding[c] for c in codes]
