"""What a layout is asked for: the box to fill and the style of the text, in millimetres."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Align = Literal["start", "center", "end"]
VerticalAlign = Literal["top", "middle", "bottom"]
Direction = Literal["auto", "ltr", "rtl"]

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# Sizes and widths come from float arithmetic; a line exactly as wide as the box must fit.
EPSILON_MM = 1e-6


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
