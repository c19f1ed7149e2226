"""The mockup of a design: the first view of its product scene (``atelier.typeset.product``)
drawn onto the view's product photo where the placement puts the artboard, or on a white
artboard when the view has no photo. It is the snapshot's preview.

The scene is the one the production files are drawn from: each zone's text laid out in its safe
area at exactly the spec's size (personalization already auto-fitted it, and fitting again here
could disagree with what the shopper was shown), placed and turned on the view. A photo is drawn
at most ``MAX_PHOTO_SIDE_PX`` on its longest side (``photos.Photos`` scales it once per
process), the placement scaled with it; a white artboard at ``PX_PER_MM``, less when its longest
side would pass ``MAX_SIDE_PX``. Deterministic: the same spec and photo give the same bytes. The
fonts must be made ready first (``PinnedFonts.ensure``).
"""

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from PIL import Image

from atelier.contracts.spec import DesignSpec, DesignSpecV1
from atelier.render.domain import Undrawable
from atelier.typeset import rasterize
from atelier.typeset.product import ViewScene, product_scene
from atelier.typeset.raster import draw_onto

PX_PER_MM = 10.0
MAX_SIDE_PX = 2000  # a white artboard's longest side
MAX_PHOTO_SIDE_PX = 1024  # a photo mockup's longest side
BACKGROUND = "#ffffff"

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Mockup:
    png: bytes
    width_px: int
    height_px: int


def _undrawable_on_failure(draw: Callable[P, T]) -> Callable[P, T]:
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


@_undrawable_on_failure
def first_view(spec: DesignSpecV1 | DesignSpec) -> ViewScene:
    """The view a snapshot's preview shows. Raises ``Undrawable`` when a zone's font is not
    known to the engine, or its text cannot be laid out."""
    try:
        return product_scene(spec).views[0]
    except LookupError as exc:  # a brand font PinnedFonts.ensure did not load
        raise Undrawable(f"a font is not loaded: {exc}") from None


@_undrawable_on_failure
def render(view: ViewScene, photo: Image.Image | None = None) -> Mockup:
    """The view drawn on ``photo`` (the view's photo, already scaled to fit
    ``MAX_PHOTO_SIDE_PX``), or on white without one."""
    to_photo = view.to_photo()
    if to_photo is None or photo is None or view.photo is None:
        scale = min(PX_PER_MM, MAX_SIDE_PX / max(view.width_mm, view.height_mm))
        image = rasterize(view.scene(), scale, BACKGROUND)
    else:
        # the photo as drawn against the one the placement was given on: rows scaled
        sx, sy = photo.width / view.photo.width_px, photo.height / view.photo.height_px
        matrix = (*(sx * m for m in to_photo[:3]), *(sy * m for m in to_photo[3:6]),
                  *to_photo[6:])
        image = draw_onto(photo, view.scene(), matrix)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return Mockup(out.getvalue(), image.width, image.height)
