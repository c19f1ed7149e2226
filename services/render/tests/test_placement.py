"""The mockup lays the design where the placement says: a known design drawn onto a product
photo, its ink found on the photo and compared with where an independent computation of the
placement (numpy's least-squares homography, not the scene's own map) sends it, within one
pixel, for a straight photo and for one taken at an angle; and a rotated zone."""

import io

import numpy as np
import pytest
from PIL import Image, ImageOps

from atelier.contracts.spec import (
    DesignSpec,
    FontRef,
    PhotoRef,
    PlacedSpecZone,
    QuadPlacement,
    SpecView,
    StraightPlacement,
)
from atelier.render import mockup
from atelier.typeset import rasterize
from atelier.typeset.fonts import shipped_font

from .conftest import first_view, mockup_png

PHOTO_SIZE = (900, 700)
GREY = (200, 200, 200)
SANS = FontRef(id="dejavu-sans", sha256=shipped_font("dejavu-sans").sha256)
ARTBOARD = (120.0, 80.0)  # mm
# four small marks near the artboard's corners, so that a flip or a wrong corner order shows
MARKS = {"tl": (15.0, 12.0), "tr": (105.0, 12.0), "br": (105.0, 68.0), "bl": (15.0, 68.0)}
STRAIGHT = StraightPlacement(kind="straight", scale_px_per_mm=6.5, offset_x_px=60.5,
                             offset_y_px=85.25)
QUAD = QuadPlacement.model_validate({"kind": "quad", "corners": [
    {"x_px": 140, "y_px": 90}, {"x_px": 820, "y_px": 160},
    {"x_px": 760, "y_px": 640}, {"x_px": 90, "y_px": 560}]})


def mark(key: str, x: float, y: float, turn: float = 0) -> PlacedSpecZone:
    return PlacedSpecZone(
        key=key, text="H", layer="print", width_mm=10, height_mm=10, bleed_mm=0, safe_mm=0,
        font=SANS, size_mm=6, colour="#000000", align="center", line_height=1.0, max_lines=1,
        view="front", x_mm=x, y_mm=y, rotation_deg=turn)


def design(placement: StraightPlacement | QuadPlacement, turn: float = 0) -> DesignSpec:
    photo = PhotoRef(sha256="0" * 64, width_px=PHOTO_SIZE[0], height_px=PHOTO_SIZE[1])
    return DesignSpec(
        product_id="p-1", template_version=1,
        views=[SpecView(key="front", width_mm=ARTBOARD[0], height_mm=ARTBOARD[1], photo=photo,
                        placement=placement)],
        zones=[mark(key, x, y, turn) for key, (x, y) in MARKS.items()])


def homography(placement: StraightPlacement | QuadPlacement) -> np.ndarray:
    """Artboard mm → photo px, solved from the four corners by least squares (DLT)."""
    w, h = ARTBOARD
    source = [(0, 0), (w, 0), (w, h), (0, h)]
    if isinstance(placement, StraightPlacement):
        s = placement.scale_px_per_mm
        target = [(placement.offset_x_px + x * s, placement.offset_y_px + y * s)
                  for x, y in source]
    else:
        target = [(c.x_px, c.y_px) for c in placement.corners]
    rows = []
    for (x, y), (u, v) in zip(source, target, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, -u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, -v])
    return np.linalg.svd(np.array(rows, dtype=float))[2][-1].reshape(3, 3)


def ink(image: Image.Image) -> np.ndarray:
    """How much of each pixel is ink: 0 on the grey photo, 1 on black."""
    pixels = np.asarray(image.convert("L"), dtype=float)
    return np.clip((GREY[0] - pixels) / GREY[0], 0, 1)


def centroid(weights: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(weights.shape)
    total = weights.sum()
    assert total > 20  # real ink, not a stray pixel
    # a pixel's ink is centred on the pixel's centre: +0.5 for coordinates from its corner
    return (float((xs * weights).sum() / total) + 0.5, float((ys * weights).sum() / total) + 0.5)


def expected_centres(spec: DesignSpec, matrix: np.ndarray) -> dict[str, tuple[float, float]]:
    """Each mark's ink centroid on the flat artboard (drawn finely), mapped to the photo."""
    view = first_view(spec)
    px_per_mm = 20
    flat = np.asarray(rasterize(view.scene(), px_per_mm, "#ffffff").convert("L"), dtype=float)
    weights = (255 - flat) / 255
    centres = {}
    for key, (x, y) in MARKS.items():
        window = np.zeros_like(weights)
        x0, x1 = int((x - 8) * px_per_mm), int((x + 8) * px_per_mm)
        y0, y1 = int((y - 8) * px_per_mm), int((y + 8) * px_per_mm)
        window[y0:y1, x0:x1] = weights[y0:y1, x0:x1]
        cx, cy = centroid(window)
        u, v, s = matrix @ np.array([cx / px_per_mm, cy / px_per_mm, 1.0])
        centres[key] = (u / s, v / s)
    return centres


def drawn(spec: DesignSpec) -> Image.Image:
    photo = Image.new("RGB", PHOTO_SIZE, GREY)
    result = mockup_png(first_view(spec), photo)
    image = Image.open(io.BytesIO(result.data))
    assert image.size == PHOTO_SIZE  # the photo's own size: it fits the mockup's limit
    return image


@pytest.mark.parametrize("placement", [STRAIGHT, QUAD], ids=["straight", "quadrilateral"])
@pytest.mark.parametrize("turn", [0, 30], ids=["upright", "turned"])
def test_the_ink_lies_where_the_placement_says_within_one_pixel(placement, turn) -> None:
    spec = design(placement, turn)
    weights = ink(drawn(spec))
    expected = expected_centres(spec, homography(placement))
    for key, (u, v) in expected.items():
        window = np.zeros_like(weights)
        r = 60
        window[int(v) - r:int(v) + r, int(u) - r:int(u) + r] = \
            weights[int(v) - r:int(v) + r, int(u) - r:int(u) + r]
        x, y = centroid(window)
        assert abs(x - u) <= 1 and abs(y - v) <= 1, (key, (x, y), (u, v))
    # and nothing else: the ink is the four marks (no stray drawing elsewhere)
    near = np.zeros_like(weights, dtype=bool)
    for u, v in expected.values():
        near[int(v) - 60:int(v) + 60, int(u) - 60:int(u) + 60] = True
    assert weights[~near].max() == 0


def test_the_corners_of_the_placement_map_where_they_were_given() -> None:
    view = first_view(design(QUAD))
    matrix = np.array(view.to_photo()).reshape(3, 3)
    for (x, y), corner in zip([(0, 0), (120, 0), (120, 80), (0, 80)], QUAD.corners, strict=True):
        u, v, s = matrix @ np.array([x, y, 1.0])
        assert (u / s, v / s) == (pytest.approx(corner.x_px), pytest.approx(corner.y_px))


def test_a_large_photo_is_scaled_to_the_mockup_and_the_design_with_it() -> None:
    spec = design(STRAIGHT)
    big = Image.new("RGB", (PHOTO_SIZE[0] // 2, PHOTO_SIZE[1] // 2), GREY)  # as Photos scaled it
    image = Image.open(io.BytesIO(mockup_png(first_view(spec), big).data))
    weights = ink(image)
    expected = expected_centres(spec, homography(STRAIGHT))
    u, v = expected["tl"]
    x, y = centroid(np.where(np.indices(weights.shape)[1] < image.width / 2,
                             np.where(np.indices(weights.shape)[0] < image.height / 2,
                                      weights, 0), 0))
    assert abs(x - u / 2) <= 1 and abs(y - v / 2) <= 1


@pytest.mark.parametrize("placement", [STRAIGHT, QUAD], ids=["straight", "quadrilateral"])
def test_a_thumbnail_drawn_at_its_own_size_is_the_mockup_shrunk(placement) -> None:
    """The thumbnail is drawn on the photo scaled to 200 px (as ``Photos`` gives it), not made
    by shrinking the full mockup; the two agree: the marks within a pixel, the rest closely."""
    spec = design(placement, 30)
    full = drawn(spec)
    side = mockup.THUMBNAIL_PX
    shrunk = ImageOps.pad(full.convert("RGB"), (side, side), Image.Resampling.LANCZOS,
                          color=mockup.BACKGROUND)
    scale = side / max(PHOTO_SIZE)
    small = Image.new("RGB", PHOTO_SIZE, GREY).resize(
        (round(PHOTO_SIZE[0] * scale), round(PHOTO_SIZE[1] * scale)), Image.Resampling.LANCZOS)
    thumbnail = mockup.thumbnail(first_view(spec), None, small.convert("RGBA"), "png", 0.0)
    image = Image.open(io.BytesIO(thumbnail.data)).convert("RGB")
    assert image.size == (side, side)
    theirs, ours = np.asarray(shrunk, dtype=float), np.asarray(image, dtype=float)
    assert np.abs(theirs - ours).mean() < 1.5
    for key in MARKS:  # each mark's ink centroid, in the quarter it lies in
        centres = []
        for picture in (shrunk, image):
            weights = ink(picture)
            h, w = weights.shape
            rows, cols = np.indices(weights.shape)
            quarter = ((cols < w / 2) == (key[1] == "l")) & ((rows < h / 2) == (key[0] == "t"))
            mine = np.where(quarter, weights, 0)  # a few pixels of ink at this size
            assert mine.sum() > 5
            centres.append(((cols * mine).sum() / mine.sum(), (rows * mine).sum() / mine.sum()))
        (x0, y0), (x1, y1) = centres
        assert abs(x0 - x1) <= 1 and abs(y0 - y1) <= 1, (key, centres)


# --- parity: the zone texture at print resolution against the mockup's zone region ------------
PRINT_PX_PER_MM = 8.0


def parity_design(placement: StraightPlacement | QuadPlacement) -> DesignSpec:
    photo = PhotoRef(sha256="0" * 64, width_px=PHOTO_SIZE[0], height_px=PHOTO_SIZE[1])
    zone = mark("name", 60, 40).model_copy(update={"text": "Ada 1815", "width_mm": 40,
                                                    "height_mm": 12, "size_mm": 7})
    return DesignSpec(
        product_id="p-1", template_version=1,
        views=[SpecView(key="front", width_mm=ARTBOARD[0], height_mm=ARTBOARD[1], photo=photo,
                        placement=placement)], zones=[zone])


def texture_on_photo(spec: DesignSpec, to_photo: np.ndarray, fine: int) -> np.ndarray:
    """The zone's texture (RGBA on transparency, at print resolution) laid on the grey photo by
    the placement: warped with Pillow (an independent resampler), composited over grey."""
    view = first_view(spec)
    [zone] = view.zones
    texture = rasterize(zone.scene, PRINT_PX_PER_MM, background=None)
    a, b, c, d, e, f = zone.to_view  # print box mm → artboard mm, as an affine
    to_view = np.array([[a, c, e], [b, d, f], [0, 0, 1]])
    texel_to_mm = np.diag([1 / PRINT_PX_PER_MM, 1 / PRINT_PX_PER_MM, 1])
    photo_to_texel = np.linalg.inv(to_photo @ to_view @ texel_to_mm)
    photo_to_texel /= photo_to_texel[2, 2]
    # warped at ``fine`` × the photo's resolution, then each fine × fine block averaged: the
    # area each photo pixel covers, as the rasterizer's coverage is
    to_fine = np.diag([fine, fine, 1.0])
    fine_to_texel = photo_to_texel @ np.linalg.inv(to_fine)
    size = (PHOTO_SIZE[0] * fine, PHOTO_SIZE[1] * fine)
    warped = texture.transform(size, Image.Transform.PERSPECTIVE,
                               tuple((fine_to_texel / fine_to_texel[2, 2]).flatten()[:8]),
                               Image.Resampling.BILINEAR)
    backdrop = Image.new("RGBA", size, GREY + (255,))
    laid = Image.alpha_composite(backdrop, warped).convert("L").reduce(fine)
    return np.asarray(laid, dtype=float)


@pytest.mark.parametrize("placement", [
    StraightPlacement(kind="straight", scale_px_per_mm=PRINT_PX_PER_MM, offset_x_px=40,
                      offset_y_px=30),  # the zone's corner on whole pixels
    QUAD,
], ids=["straight at print resolution", "quadrilateral"])
def test_the_zone_texture_and_the_mockup_agree_after_the_placement(placement) -> None:
    spec = parity_design(placement)
    mockup_pixels = np.asarray(drawn(spec).convert("L"), dtype=float)
    straight = isinstance(placement, StraightPlacement)
    # straight at the texture's own resolution, texel for pixel; under perspective, finely
    expected = texture_on_photo(spec, homography(placement), fine=1 if straight else 4)
    region = (expected < GREY[0] - 1) | (mockup_pixels < GREY[0] - 1)  # either's ink
    assert region.sum() > 500
    difference = np.abs(mockup_pixels - expected)[region]
    # straight, the two are the same drawing pixel for pixel (grey levels out of 255); under
    # perspective, Skia's coverage and Pillow's resampling of the texture differ at the edges
    if straight:
        assert difference.max() <= 2
    else:
        assert difference.mean() <= 12 and np.percentile(difference, 90) <= 30
