"""Throughput of the layout engine, for `make bench`: python -m atelier.typeset.bench"""

from __future__ import annotations

import time

from atelier.typeset.layout import layout
from atelier.typeset.style import Box, TextStyle

SAMPLES = (
    "Ada Lovelace",
    "For my love — always & forever",
    "שלום עולם 2024",
    "مرحبا بالعالم",
    "Café Ελληνικά office AVATAR",
    "Mixed: hello مرحبا world שלום!",
)


def lines_per_second(lines: int = 2000) -> float:
    """Lay out `lines` texts of mixed scripts (each wrapping to about two lines) and return the
    laid-out lines per second of wall time. Every text is new (a number is appended): the
    engine keeps the shaping of texts it has seen, and this measures texts it has not."""
    style = TextStyle(font_id="dejavu-sans", size_mm=4.0, align="center")
    box = Box(width_mm=60, height_mm=20)
    layout(SAMPLES[0], style, box)  # load the font outside the timing
    produced = 0
    started = time.perf_counter()
    for i in range(lines):
        produced += len(layout(f"{SAMPLES[i % len(SAMPLES)]} {i}", style, box).lines)
    return produced / (time.perf_counter() - started)


if __name__ == "__main__":
    print(f"{lines_per_second():.0f} lines/s")
