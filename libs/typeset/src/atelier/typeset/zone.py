"""A zone's text placed in its print box: the one scene the preview and the production files
are serializations of (DESIGN §6).

A zone is a print box (what gets printed or engraved; the bleed beyond it is never drawn) with a
safe area inset by `safe_mm` on every side. The text is laid out in the safe area at exactly the
given size — the size was chosen when the design was validated, and fitting again here could
disagree with what the shopper was shown — aligned there by the style, and the scene is then
moved by the inset so that its coordinates are the print box's: millimetres, y down, origin
at the print box's top-left. Overflowing text is still drawn (see `Layout`'s flags).
"""

from __future__ import annotations

from dataclasses import dataclass

from atelier.typeset.layout import layout
from atelier.typeset.scene import Scene
from atelier.typeset.style import Box, TextStyle


@dataclass(frozen=True)
class PrintBox:
    """A zone's print box and the inset of its safe area, in millimetres."""

    width_mm: float
    height_mm: float
    safe_mm: float = 0.0

    def __post_init__(self) -> None:
        for name in ("width_mm", "height_mm"):
            if not getattr(self, name) > 0:
                raise ValueError(f"PrintBox.{name} must be a positive number of mm")
        if not self.safe_mm >= 0:
            raise ValueError("PrintBox.safe_mm must be zero or a positive number of mm")
        if not 2 * self.safe_mm < min(self.width_mm, self.height_mm):
            raise ValueError("PrintBox.safe_mm leaves no room inside the print box")

    @property
    def safe_box(self) -> Box:
        """The safe area, where text is laid out: the print box less the inset on every side."""
        return Box(self.width_mm - 2 * self.safe_mm, self.height_mm - 2 * self.safe_mm)

    def from_safe_area(self, scene: Scene) -> Scene:
        """A scene laid out in `safe_box`, moved into print-box coordinates and size."""
        paths = tuple(path.translated(self.safe_mm, self.safe_mm) for path in scene.paths)
        return Scene(self.width_mm, self.height_mm, paths)


def zone_scene(
    text: str, style: TextStyle, box: PrintBox, max_lines: int | None = None
) -> Scene:
    """`text` laid out in the safe area of `box` (aligned by `style`, vertically too), as a
    scene of the whole print box. Raises LookupError for an unknown font id."""
    return box.from_safe_area(layout(text, style, box.safe_box, max_lines).scene())
