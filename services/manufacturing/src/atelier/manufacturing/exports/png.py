"""PNG at the profile's DPI (Skia, the mockup's rasterizer): what is printed of the view, in the
colours as given, transparent where nothing is printed; the DPI recorded in the file (pHYs).
The cut layer is a path for the cutter, not ink: it is not drawn."""

from __future__ import annotations

import io

from atelier.contracts.manufacturing import OutputProfile
from atelier.contracts.spec import Layer
from atelier.manufacturing.exports import layers
from atelier.typeset.product import ViewScene
from atelier.typeset.raster import rasterize
from atelier.typeset.scene import Scene

MM_PER_INCH = 25.4
# zlib's fastest level: a 200 × 150 mm view at 300 dpi is 17 MB of pixels, which level 6 takes
# some 60 % longer to squeeze to half the size (~100 kB at level 1, mostly transparent)
COMPRESS_LEVEL = 1


def serialize(view: ViewScene, profile: OutputProfile) -> bytes:
    inked = tuple(p.path for p in layers.paths(view, profile) if p.layer != Layer.CUT.value)
    image = rasterize(Scene(view.width_mm, view.height_mm, inked), profile.dpi / MM_PER_INCH,
                      background=None)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(profile.dpi, profile.dpi), compress_level=COMPRESS_LEVEL)
    return out.getvalue()
