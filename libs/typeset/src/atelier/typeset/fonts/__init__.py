"""The fonts shipped with Atelier. Each is freely licensed; its licence file lies beside it."""

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Font:
    id: str
    family: str
    path: Path
    licence: Path
    media_type: str = "font/ttf"

    @property
    def sha256(self) -> str:
        """SHA-256 (hex) of the font file: what a FontRef pins. Read once per process."""
        return _file_sha256(self.path)


@cache
def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


SHIPPED: dict[str, Font] = {
    font.id: font
    for font in (
        Font("dejavu-sans", "DejaVu Sans", HERE / "dejavu/DejaVuSans.ttf", HERE / "dejavu/LICENSE"),
        Font(
            "dejavu-serif", "DejaVu Serif", HERE / "dejavu/DejaVuSerif.ttf", HERE / "dejavu/LICENSE"
        ),
    )
}


def shipped_font(font_id: str) -> Font:
    try:
        return SHIPPED[font_id]
    except KeyError:
        raise LookupError(
            f"unknown font {font_id!r}; known: {', '.join(sorted(SHIPPED))}"
        ) from None
