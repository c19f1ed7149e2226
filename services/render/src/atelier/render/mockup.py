"""What render draws of a design, one function per kind (``DRAWERS``): pure functions of the
product scene (``atelier.typeset.product``), its photo and the output's options; the worker does
storage and messages.

- ``mockup``: a view drawn onto the view's product photo where the placement puts the artboard,
  or on a white artboard when the view has no photo; in a photo format (JPEG unless WebP or PNG
  is asked for: a 1024 px PNG of a photo takes some 250 ms to encode, a JPEG some 6).
- ``thumbnail``: the view's mockup drawn at 200 px (its photo scaled to that first, not the
  1024 px mockup shrunk: a twentieth of the pixels) and centred in a 200 × 200 square on white.
- ``zone``: one zone's print box with its text, transparent where nothing is drawn (PNG RGBA),
  at the resolution asked for.

The scene is the one the production files are drawn from: each zone's text laid out in its safe
area at exactly the spec's size (personalization already auto-fitted it, and fitting again here
could disagree with what the shopper was shown), placed and turned on the view. A photo is drawn
at most ``PHOTO_SIDE_PX`` of its kind on its longest side (``photos.Photos`` scales it once per
process), the placement scaled with it; a white artboard at ``PX_PER_MM``, less when its longest
side would pass ``MAX_SIDE_PX``. Deterministic: the same spec and photo give the same bytes. The
fonts must be made ready first (``PinnedFonts.ensure``).
"""

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from PIL import Image, ImageOps

from atelier.contracts.render import ImageFormat, RenderKind
from atelier.contracts.spec import DesignSpec, DesignSpecV1
from atelier.render.domain import CONTENT_TYPES, Undrawable
from atelier.typeset import rasterize
from atelier.typeset.product import ProductScene, ViewScene, product_scene
from atelier.typeset.raster import draw_onto

PX_PER_MM = 10.0
MAX_SIDE_PX = 2000  # a white artboard's longest side
MAX_PHOTO_SIDE_PX = 1024  # a photo mockup's longest side
BACKGROUND = "#ffffff"
THUMBNAIL_PX = 200
JPEG_QUALITY = 88

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Drawn:
    data: bytes
    content_type: str
    width_px: int
    height_px: int


def undrawable_on_failure(draw: Callable[P, T]) -> Callable[P, T]:
    """Drawing is a pure function of the spec, its fonts and its photo, so whatever makes it
    fail (a glyph that recurses, a path that cannot be filled) would make it fail again: it is
    the design's fault, ``Undrawable``, never a transient one (memory aside)."""

    @functools.wraps(draw)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return draw(*args, **kwargs)
        except (Undrawable, MemoryError):
            raise
        except Exception as exc:
            raise Undrawable(f"the design cannot be drawn: {type(exc).__name__}: {exc}") from exc

    return drawn


@undrawable_on_failure
def scene_of(spec: DesignSpecV1 | DesignSpec) -> ProductScene:
    """Raises ``Undrawable`` when a zone's font is not known to the engine, or its text cannot
    be laid out."""
    try:
        return product_scene(spec)
    except LookupError as exc:  # a brand font PinnedFonts.ensure did not load
        raise Undrawable(f"a font is not loaded: {exc}") from None


def view_for(scene: ProductScene, kind: RenderKind, key: str | None) -> ViewScene:
    """The view an output is drawn from: the one named (the first when none is), or for a zone
    texture the view its zone is on."""
    if key is None:
        return scene.views[0]
    if kind is RenderKind.ZONE:
        found = [view for view in scene.views if any(z.key == key for z in view.zones)]
    else:
        found = [view for view in scene.views if view.key == key]
    if not found:
        raise Undrawable(f"the design has no {'zone' if kind is RenderKind.ZONE else 'view'} "
                         f"{key!r}")
    return found[0]


def _on_photo(view: ViewScene, photo: Image.Image | None, max_side_px: int) -> Image.Image:
    """The view drawn on ``photo`` (the view's photo, already scaled to the kind's
    ``PHOTO_SIDE_PX``), or on white without one, at most ``max_side_px`` on its longest side."""
    to_photo = view.to_photo()
    if to_photo is None or photo is None or view.photo is None:
        scale = min(PX_PER_MM, max_side_px / max(view.width_mm, view.height_mm))
        return rasterize(view.scene(), scale, BACKGROUND)
    # the photo as drawn against the one the placement was given on: rows scaled
    sx, sy = photo.width / view.photo.width_px, photo.height / view.photo.height_px
    matrix = (*(sx * m for m in to_photo[:3]), *(sy * m for m in to_photo[3:6]), *to_photo[6:])
    return draw_onto(photo, view.scene(), matrix)


def _encoded(image: Image.Image, fmt: ImageFormat) -> Drawn:
    out = io.BytesIO()
    if fmt == "png":
        (image.convert("RGB") if image.mode == "RGBX" else image).save(out, format="PNG")
    else:  # photo formats: no alpha; colour at full resolution, or a coloured engraving's
        # edges bleed (4:2:0 halves the chroma) for under a millisecond saved. JPEG takes a
        # photo mockup's RGBX as it is (no copy).
        takes = ("RGB", "RGBX") if fmt == "jpeg" else ("RGB",)
        opaque = image if image.mode in takes else image.convert("RGB")
        opaque.save(out, format=fmt.upper(), quality=JPEG_QUALITY, subsampling=0)
    return Drawn(out.getvalue(), CONTENT_TYPES[fmt], image.width, image.height)


@undrawable_on_failure
def mockup(view: ViewScene, _zone: str | None, photo: Image.Image | None, fmt: ImageFormat,
           _px_per_mm: float) -> Drawn:
    return _encoded(_on_photo(view, photo, MAX_SIDE_PX), fmt)


@undrawable_on_failure
def thumbnail(view: ViewScene, _zone: str | None, photo: Image.Image | None, fmt: ImageFormat,
              _px_per_mm: float) -> Drawn:
    # drawn at the thumbnail's own size (its photo too: ``PHOTO_SIDE_PX``), then centred
    square = ImageOps.pad(_on_photo(view, photo, THUMBNAIL_PX), (THUMBNAIL_PX, THUMBNAIL_PX),
                          Image.Resampling.LANCZOS, color=BACKGROUND)
    return _encoded(square, fmt)


@undrawable_on_failure
def zone_texture(view: ViewScene, zone: str | None, _photo: Image.Image | None,
                 fmt: ImageFormat, px_per_mm: float) -> Drawn:
    placed = next((z for z in view.zones if z.key == zone), None) or view.zones[0]
    return _encoded(rasterize(placed.scene, px_per_mm, background=None), fmt)


Drawer = Callable[[ViewScene, "str | None", "Image.Image | None", ImageFormat, float], Drawn]
DRAWERS: dict[RenderKind, Drawer] = {
    RenderKind.MOCKUP: mockup, RenderKind.THUMBNAIL: thumbnail, RenderKind.ZONE: zone_texture}
# the kinds drawn on the view's photo, and the longest side they draw it at
PHOTO_SIDE_PX = {RenderKind.MOCKUP: MAX_PHOTO_SIDE_PX, RenderKind.THUMBNAIL: THUMBNAIL_PX}
