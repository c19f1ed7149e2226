"""Drawing a scene into pixels: the 2D preview, the 3D texture and the PNG at print resolution.

Skia draws it. Each path becomes a `skia.Path` in millimetres with its curves kept as quadratic
and cubic Béziers — the canvas scales millimetres to pixels, so Skia flattens the curves at the
resolution it draws — filled by the nonzero winding rule, as fonts are meant to be: a counter
wound the other way is a hole, overlapping contours and self-intersecting ones (a pentagram
drawn as one contour) are ink. Edges are anti-aliased by Skia's 8-bit coverage, which places
them on quarter-pixel rows: against the exact area (the tests' 16× supersampled reference) an
edge pixel's alpha is off by 7–20/255 on average, a curve's by up to 110/255.

Consecutive paths of one colour are drawn together: their coverages are added (saturating at
full) in a layer, and the layer is laid in their colour over what was drawn before, so the
scene's order is the stacking order. Adding coverages rather than drawing one path over the
other leaves no faint seam where two letters touch along an edge, and unlike one path holding
every glyph, a glyph wound one way never cancels an overlapping glyph wound the other way (a
TrueType and a CFF font).

Nothing depends on timing or ordering: with one skia-python version the same scene gives the
same pixels, and so the same PNG bytes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from itertools import groupby

import skia
from PIL import Image

from atelier.typeset.scene import Path, Scene

_HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
_RGBA = skia.ColorType.kRGBA_8888_ColorType
# Coverage is drawn in opaque white, so a layer pixel is its coverage in every channel; kPlus
# adds the coverages of the paths, saturating at full.
_COVERAGE = skia.Paint(AntiAlias=True, Color=skia.ColorWHITE, BlendMode=skia.BlendMode.kPlus)


def rasterize(scene: Scene, px_per_mm: float, background: str | None = "#ffffff") -> Image.Image:
    """The scene as an image of ceil(size · px_per_mm) pixels: RGB on `background` (#rrggbb),
    or RGBA on transparency when background is None (straight, not premultiplied, alpha)."""
    if not px_per_mm > 0:
        raise ValueError(f"rasterize needs px_per_mm > 0, got {px_per_mm}")
    size = (_pixels(scene.width_mm, px_per_mm), _pixels(scene.height_mm, px_per_mm))
    premultiplied = skia.ImageInfo.Make(*size, _RGBA, skia.AlphaType.kPremul_AlphaType)
    surface = skia.Surface.MakeRaster(premultiplied)
    if surface is None:  # more than 2 GiB of pixels, or no memory for them
        raise MemoryError(f"Skia cannot allocate a {size[0]}×{size[1]} px image")
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorTRANSPARENT if background is None else _colour(background))
    canvas.scale(px_per_mm, px_per_mm)
    _draw(canvas, scene)
    return _image(surface, size, transparent=background is None)


def draw_onto(photo: Image.Image, scene: Scene, to_photo: Sequence[float]) -> Image.Image:
    """The scene drawn onto a copy of ``photo``, its millimetres mapped to the photo's pixels by
    ``to_photo``, a row-major 3×3 projective matrix (a scale and offset, or the perspective of
    a photo taken at an angle: Skia maps the curves and fills them under it).

    The photo is opaque RGBA (RGB is converted: a caller drawing on one photo many times keeps
    it as RGBA), the result RGBX over the very pixels Skia drew on, copied once: JPEG encodes it
    as it is, other formats take ``.convert("RGB")``."""
    if len(to_photo) != 9:
        raise ValueError("to_photo must be the 9 numbers of a 3×3 matrix, row by row")
    rgba = photo if photo.mode == "RGBA" else photo.convert("RGBA")
    size = rgba.size
    pixels = bytearray(rgba.tobytes())  # opaque: premultiplied and straight alpha are the same
    info = skia.ImageInfo.Make(*size, _RGBA, skia.AlphaType.kPremul_AlphaType)
    surface = skia.Surface.MakeRasterDirect(info, pixels, size[0] * 4)
    if surface is None:
        raise MemoryError(f"Skia cannot draw on a {size[0]}×{size[1]} px image")
    canvas = surface.getCanvas()
    canvas.concat(skia.Matrix.MakeAll(*to_photo))
    _draw(canvas, scene)
    del canvas, surface  # the pixels are the image's from here on
    return Image.frombuffer("RGBX", size, pixels, "raw", "RGBX", 0, 1)


def _draw(canvas: skia.Canvas, scene: Scene) -> None:
    for colour, run in groupby(scene.paths, key=lambda path: path.colour):
        shapes = [_skia_path(path) for path in run]
        bounds = skia.Rect.MakeEmpty()
        for shape in shapes:
            bounds.join(shape.getBounds())
        # On restore the layer's coverage becomes the colour at that coverage (kSrcIn).
        tint = skia.ColorFilters.Blend(_colour(colour), skia.BlendMode.kSrcIn)
        canvas.saveLayer(bounds, skia.Paint(ColorFilter=tint))
        for shape in shapes:
            canvas.drawPath(shape, _COVERAGE)
        canvas.restore()


def _image(surface: skia.Surface, size: tuple[int, int], transparent: bool) -> Image.Image:
    """The surface's pixels as a PIL image: RGBA with straight alpha (Skia's are premultiplied;
    it converts them as it reads), or RGB when every pixel is opaque."""
    alpha = skia.AlphaType.kUnpremul_AlphaType if transparent else skia.AlphaType.kPremul_AlphaType
    pixels = bytearray(size[0] * size[1] * 4)
    if not surface.readPixels(skia.ImageInfo.Make(*size, _RGBA, alpha), pixels, size[0] * 4):
        raise RuntimeError("skia could not read back the pixels it drew")
    if transparent:
        return Image.frombytes("RGBA", size, bytes(pixels))
    return Image.frombytes("RGB", size, bytes(pixels), "raw", "RGBX")  # the X: opaque alpha


def _pixels(length_mm: float, px_per_mm: float) -> int:
    return max(1, math.ceil(length_mm * px_per_mm - 1e-9))


def _skia_path(path: Path) -> skia.Path:
    """The path's contours in millimetres, curves as curves, nonzero fill."""
    shape = skia.Path()
    shape.setFillType(skia.PathFillType.kWinding)
    for contour in path.contours:
        shape.moveTo(*contour.start)
        for segment in contour.segments:
            if len(segment) == 1:
                shape.lineTo(*segment[0])
            elif len(segment) == 2:
                shape.quadTo(*segment[0], *segment[1])
            else:
                shape.cubicTo(*segment[0], *segment[1], *segment[2])
        shape.close()
    return shape


def _colour(hex_colour: str) -> int:
    """'#rrggbb' (the spec's colour format) as Skia's opaque ARGB integer."""
    if not _HEX_COLOUR.fullmatch(hex_colour):
        raise ValueError(f"colour {hex_colour!r} is not #rrggbb")
    return 0xFF000000 | int(hex_colour[1:], 16)
