"""Drawing a scene into pixels: the 2D preview, the 3D texture and the PNG at print resolution.

Each colour's outlines are filled by the nonzero winding rule — every contour adds +1 or -1
(its orientation) to the pixels it encloses, so holes (the counter of an "O") cancel out while
overlapping contours (accents on composite glyphs, touching letters) stay filled — on a grid
`supersample` times finer than the image, then averaged down (in integers) for anti-aliasing.
Nothing depends on timing or ordering, so the same scene gives the same pixels and PNG bytes.
"""

from __future__ import annotations

import math
from itertools import groupby

import numpy as np
from PIL import Image, ImageColor, ImageDraw

from atelier.typeset.scene import Path, Point, Scene


def rasterize(
    scene: Scene, px_per_mm: float, background: str | None = "#ffffff", supersample: int = 4
) -> Image.Image:
    """The scene as an image of ceil(size · px_per_mm) pixels: RGB on `background`, or RGBA on
    transparency when background is None."""
    if not px_per_mm > 0 or supersample < 1:
        raise ValueError("rasterize needs px_per_mm > 0 and supersample >= 1")
    size = (_pixels(scene.width_mm, px_per_mm), _pixels(scene.height_mm, px_per_mm))
    fill = (0, 0, 0, 0) if background is None else ImageColor.getrgb(background)[:3] + (255,)
    image = Image.new("RGBA", size, fill)
    # Consecutive paths of one colour are filled together; scene order stays the stacking order.
    for colour, paths in groupby(scene.paths, key=lambda path: path.colour):
        layer = Image.new("RGBA", size, ImageColor.getrgb(colour)[:3] + (0,))
        layer.putalpha(_coverage(list(paths), size, px_per_mm * supersample, supersample))
        image.alpha_composite(layer)
    return image if background is None else image.convert("RGB")


def _pixels(length_mm: float, px_per_mm: float) -> int:
    return max(1, math.ceil(length_mm * px_per_mm - 1e-9))


def _coverage(
    paths: list[Path], size: tuple[int, int], scale: float, supersample: int
) -> Image.Image:
    """An 8-bit mask: the share of each pixel's subpixels inside the paths (nonzero rule)."""
    width, height = size[0] * supersample, size[1] * supersample
    winding = np.zeros((height, width), dtype=np.int16)  # windings stay small
    tolerance_mm = 0.25 / scale  # a quarter subpixel: flattening error stays invisible
    for path in paths:
        for polyline in path.polylines(tolerance_mm):
            _add_contour(winding, [(x * scale, y * scale) for x, y in polyline])
    inside = (winding != 0).reshape(size[1], supersample, size[0], supersample)
    counts = inside.sum(axis=(1, 3), dtype=np.int32)
    full = supersample * supersample
    alpha = ((counts * 255 + full // 2) // full).astype(np.uint8)
    return Image.fromarray(alpha, mode="L")


def _add_contour(winding: np.ndarray, points: list[Point]) -> None:
    """Add ±1 (by the contour's orientation) where the contour encloses subpixels."""
    if len(points) < 3:
        return
    height, width = winding.shape
    x0 = max(0, math.floor(min(x for x, _ in points)))
    y0 = max(0, math.floor(min(y for _, y in points)))
    x1 = min(width, math.ceil(max(x for x, _ in points)) + 1)
    y1 = min(height, math.ceil(max(y for _, y in points)) + 1)
    if x0 >= x1 or y0 >= y1:
        return  # entirely outside the image
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    ImageDraw.Draw(mask).polygon([(x - x0, y - y0) for x, y in points], fill=1)
    winding[y0:y1, x0:x1] += _orientation(points) * np.asarray(mask, dtype=np.int16)


def _orientation(points: list[Point]) -> int:
    """+1 or -1 by the sign of the shoelace area."""
    area = sum(
        x0 * y1 - x1 * y0
        for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True)
    )
    return 1 if area >= 0 else -1
