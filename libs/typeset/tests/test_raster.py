"""The rasterizer: the nonzero rule for any contour, holes, overlaps, edges against an
independent 16× supersampled reference, RGBA and exact colours, determinism."""

import io
import math

import numpy as np
import pytest
from PIL import Image, ImageDraw

from atelier.typeset import Box, Contour, Path, Scene, TextStyle, layout, rasterize

RED = "#c0392b"
RED_RGB = (192, 57, 43)
SUPERSAMPLE = 16
# Skia's 8-bit anti-aliasing places edges on quarter-pixel rows (and flattens curves to about
# an eighth of a pixel), so against the exact area an edge pixel's alpha is off by a few
# hundredths on average: measured 7–20/255 on these scenes, at most 110/255 on a curve. The
# bounds: a mean within 24/255 over the edge pixels (partly covered by either), and no pixel
# off by half a pixel's coverage or more — a wrong fill, a missing anti-aliasing or a
# half-pixel shift each break both.
MEAN_ALPHA_ERROR = 24
MAX_ALPHA_ERROR = 127


def test_a_self_intersecting_pentagram_is_filled_by_the_nonzero_rule() -> None:
    scene = Scene(10, 10, (Path((pentagram(5, 5, 4.5),), RED),))
    alpha = alpha_of(scene, 10)
    assert alpha[50, 50] == 255  # the centre is wound twice: even-odd would leave it empty
    assert alpha[12, 50] == 255  # the top point
    assert alpha[5, 5] == 0
    assert_matches_reference(scene, 10)


def test_the_counters_of_o_a_and_8_are_empty() -> None:
    scene = layout("OA8", TextStyle(font_id="dejavu-sans", size_mm=12.0, colour=RED),
                   Box(30, 14)).scene()
    alpha = alpha_of(scene, 8)
    counters = enclosed_empty_regions(reference_coverage(scene, 8))
    assert len(counters) == 4  # the O's, the A's and the 8's two
    for region in counters:
        # No ink: none more than a pixel from the counter's edge, and along it less than an
        # eighth of a pixel's (where Skia's quarter-pixel rows put the edge a little off).
        assert (alpha[interior(region)] == 0).all() and alpha[region].max() < 32
    assert (alpha == 255).any() and ((alpha > 0) & (alpha < 255)).any()  # ink, anti-aliased
    assert_matches_reference(scene, 8)


def test_a_reversed_inner_contour_is_a_hole_and_a_same_way_one_is_not() -> None:
    outer = square(1.03, 1.07, 7.9)  # off the pixel grid: edges are anti-aliased
    hole = Scene(10, 10, (Path((outer, reversed_contour(square(3.02, 3.05, 3.9))), RED),))
    filled = Scene(10, 10, (Path((outer, square(3.02, 3.05, 3.9)), RED),))
    assert alpha_of(hole, 10)[50, 50] == 0 and alpha_of(hole, 10)[20, 20] == 255
    assert alpha_of(filled, 10)[50, 50] == 255
    assert_matches_reference(hole, 10)


def test_overlapping_contours_and_glyphs_stay_filled() -> None:
    # Two contours of one path wound the same way: the overlap is wound twice, still ink.
    contours = Scene(10, 10, (Path((square(1, 1, 4), square(3, 3, 4)), RED),))
    assert alpha_of(contours, 10)[40, 40] == 255
    # Two "O"s overlapping by a stroke, as two paths: the overlap is ink, the counters are not.
    style = TextStyle(font_id="dejavu-sans", size_mm=12.0, colour=RED)
    [o] = layout("O", style, Box(20, 14)).scene().paths
    other = o.translated(4.2, 0.3)
    glyphs = Scene(20, 14, (o, other))
    assert len(enclosed_empty_regions(reference_coverage(glyphs, 8))) == 3  # they cross twice
    both = (reference_coverage(Scene(20, 14, (o,)), 8) == 1) & (
        reference_coverage(Scene(20, 14, (other,)), 8) == 1
    )
    assert interior(both).sum() > 20 and (alpha_of(glyphs, 8)[interior(both)] == 255).all()
    assert_matches_reference(glyphs, 8)


def test_paths_wound_opposite_ways_do_not_cancel_and_touching_paths_leave_no_seam() -> None:
    # As a TrueType glyph (clockwise) overlapping a CFF one (counter-clockwise) would be.
    crossed = Scene(10, 10, (Path((square(1, 1, 5),), RED),
                             Path((reversed_contour(square(3, 3, 5)),), RED)))
    assert alpha_of(crossed, 10)[45, 45] == 255
    # Two squares sharing an edge that falls mid-pixel (x = 4.55 mm, 45.5 px).
    left = Contour((1, 1), (((4.55, 1),), ((4.55, 9),), ((1, 9),)))
    right = Contour((4.55, 1), (((8, 1),), ((8, 9),), ((4.55, 9),)))
    touching = Scene(10, 10, (Path((left,), RED), Path((right,), RED)))
    assert (alpha_of(touching, 10)[10:90, 45] == 255).all()  # drawn one over the other: ~191


@pytest.mark.parametrize("px_per_mm", [3.3, 12.8])
def test_edges_match_a_16x_supersampled_reference(px_per_mm: float) -> None:
    style = TextStyle(font_id="dejavu-serif", size_mm=7.0, colour=RED)
    text = layout("Ada Ω & שלום @8", style, Box(70, 10)).scene()
    # A circle of four cubics (DejaVu's outlines are quadratic) and a thin sliver.
    shapes = (Path((circle(75, 5, 4.3),), RED),
              Path((Contour((60.2, 9.1), (((89.7, 9.6),), ((60.2, 9.4),))),), RED))
    scene = Scene(90, 10, text.paths + shapes)
    assert_matches_reference(scene, px_per_mm)


def test_rgba_is_transparent_where_nothing_is_drawn_and_colours_are_exact() -> None:
    scene = Scene(10, 10, (Path((square(1, 1, 4),), RED), Path((square(5, 5, 4),), "#1E3A8A")))
    rgba = rasterize(scene, 10, background=None)
    assert rgba.mode == "RGBA" and rgba.size == (100, 100)
    assert rgba.getpixel((0, 0)) == (0, 0, 0, 0) and rgba.getpixel((95, 5)) == (0, 0, 0, 0)
    assert rgba.getpixel((30, 30)) == (*RED_RGB, 255)
    assert rgba.getpixel((70, 70)) == (0x1E, 0x3A, 0x8A, 255)
    rgb = rasterize(scene, 10, background="#fafafa")
    assert rgb.mode == "RGB"
    assert rgb.getpixel((0, 0)) == (250, 250, 250) and rgb.getpixel((30, 30)) == RED_RGB
    # Anti-aliased text: a pixel at least half covered keeps the colour (straight alpha), to 1/255.
    text = rasterize(layout("Ada", TextStyle(font_id="dejavu-sans", size_mm=8.0, colour=RED),
                            Box(20, 10)).scene(), 10, background=None)
    pixels = np.asarray(text).astype(int)
    half = pixels[..., 3] >= 128
    assert half.any() and (np.abs(pixels[half][:, :3] - RED_RGB) <= 1).all()


def test_bad_arguments_and_impossible_sizes_are_refused() -> None:
    scene = Scene(10, 10, (Path((square(1, 1, 4),), "red"),))
    with pytest.raises(ValueError, match="#rrggbb"):
        rasterize(scene, 10)
    with pytest.raises(ValueError, match="px_per_mm"):
        rasterize(scene, 0)
    with pytest.raises(MemoryError, match="100000×100000 px"):
        rasterize(Scene(1000, 1000, ()), 100)


def test_same_input_gives_identical_png_bytes() -> None:
    style = TextStyle(font_id="dejavu-sans", size_mm=20.0, colour="#112233")

    def png(background: str | None) -> bytes:
        buffer = io.BytesIO()
        scene = layout("Ada Ω שלום", style, Box(200, 30)).scene()
        rasterize(scene, 7.5, background).save(buffer, "PNG")
        return buffer.getvalue()

    assert png("#ffffff") == png("#ffffff")
    assert png(None) == png(None)


# --- the independent reference --------------------------------------------------------------


def reference_coverage(scene: Scene, px_per_mm: float) -> np.ndarray:
    """Each pixel's share of 16 × 16 sample points (at the subpixels' centres) inside some path
    by the nonzero rule. Winding numbers come from scanlines over the contours flattened to a
    hundredth of a sample (scene.py's flattener, not Skia's): each edge adds ±1 (its direction)
    to the samples right of where it crosses a sample row; summed along the row, that is the
    winding number of every sample."""
    width = max(1, math.ceil(scene.width_mm * px_per_mm - 1e-9))
    height = max(1, math.ceil(scene.height_mm * px_per_mm - 1e-9))
    rows, cols = height * SUPERSAMPLE, width * SUPERSAMPLE
    scale = px_per_mm * SUPERSAMPLE  # samples per mm; sample k's centre is at k + 0.5
    inside = np.zeros((rows, cols), dtype=bool)
    for path in scene.paths:
        polylines = [np.asarray(p, dtype=float) * scale for p in path.polylines(0.01 / scale)]
        x0, y0, x1, y1 = np.concatenate(
            [np.concatenate([p, np.roll(p, -1, axis=0)], axis=1) for p in polylines]
        ).T
        # The rows whose centres y + 0.5 lie in [min(y0, y1), max(y0, y1)): half-open, so a
        # vertex shared by two edges is counted once.
        first = np.clip(np.ceil(np.minimum(y0, y1) - 0.5), 0, rows).astype(int)
        end = np.clip(np.ceil(np.maximum(y0, y1) - 0.5), 0, rows).astype(int)
        counts = np.maximum(end - first, 0)
        edge = np.repeat(np.arange(len(x0)), counts)
        row = np.repeat(first, counts) + np.arange(counts.sum()) - np.repeat(
            np.cumsum(counts) - counts, counts
        )
        y = row + 0.5
        x = x0[edge] + (y - y0[edge]) * (x1[edge] - x0[edge]) / (y1[edge] - y0[edge])
        column = np.clip(np.floor(x - 0.5).astype(int) + 1, 0, cols)  # first sample right of x
        # Only the path's own rows and columns are summed (the rest of the scene is outside it).
        top, bottom = row.min(initial=0), row.max(initial=-1) + 1
        left = column.min(initial=cols)
        steps = np.zeros((bottom - top, cols + 1 - left), dtype=np.int32)
        np.add.at(steps, (row - top, column - left), np.where(y1[edge] > y0[edge], 1, -1))
        inside[top:bottom, left:] |= np.cumsum(steps, axis=1)[:, : cols - left] != 0
    return inside.reshape(height, SUPERSAMPLE, width, SUPERSAMPLE).mean(axis=(1, 3))


def assert_matches_reference(scene: Scene, px_per_mm: float) -> None:
    alpha = alpha_of(scene, px_per_mm).astype(float)
    reference = reference_coverage(scene, px_per_mm) * 255
    error = np.abs(alpha - reference)
    edge = ((reference > 0) & (reference < 255)) | ((alpha > 0) & (alpha < 255))
    assert edge.any()
    assert error[edge].mean() <= MEAN_ALPHA_ERROR, error[edge].mean()
    assert error.max() <= MAX_ALPHA_ERROR, np.unravel_index(error.argmax(), error.shape)


def alpha_of(scene: Scene, px_per_mm: float) -> np.ndarray:
    image = rasterize(scene, px_per_mm, background=None)
    return np.asarray(image)[..., 3]


def interior(mask: np.ndarray) -> np.ndarray:
    """The pixels of the mask whose eight neighbours are all in it too."""
    padded = np.pad(mask, 1)
    inner = mask.copy()
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            inner &= padded[dy : dy + mask.shape[0], dx : dx + mask.shape[1]]
    return inner


def enclosed_empty_regions(coverage: np.ndarray) -> list[np.ndarray]:
    """The regions (boolean masks) of pixels with no coverage at all that the outside cannot
    reach (4-connected): a glyph's counters."""
    empty = np.pad(coverage == 0, 1, constant_values=True)  # the outside is one region
    # copied: an image made by fromarray shares the array's memory and floodfill would not write
    labels = Image.fromarray(np.where(empty, 0, 255).astype(np.uint8)).copy()
    ImageDraw.floodfill(labels, (0, 0), 255)
    count = 0
    while (unlabelled := np.argwhere(np.asarray(labels) == 0)).size:
        count += 1
        ImageDraw.floodfill(labels, (int(unlabelled[0][1]), int(unlabelled[0][0])), count)
    return [(np.asarray(labels) == k)[1:-1, 1:-1] for k in range(1, count + 1)]


# --- shapes ------------------------------------------------------------------------------------


def square(x: float, y: float, side: float) -> Contour:
    return Contour((x, y), (((x + side, y),), ((x + side, y + side),), ((x, y + side),)))


def reversed_contour(contour: Contour) -> Contour:
    """The same outline wound the other way (only for contours of straight lines)."""
    points = [contour.start, *(segment[0] for segment in contour.segments)]
    return Contour(points[0], tuple((point,) for point in reversed(points[1:])))


def pentagram(cx: float, cy: float, radius: float) -> Contour:
    """One contour through every second point of a regular pentagon: it crosses itself."""
    points = [
        (cx + radius * math.sin(2 * math.pi * k * 2 / 5),
         cy - radius * math.cos(2 * math.pi * k * 2 / 5))
        for k in range(5)
    ]
    return Contour(points[0], tuple((point,) for point in points[1:]))


def circle(cx: float, cy: float, radius: float) -> Contour:
    """Four cubic quarter arcs."""
    k = 0.5523 * radius  # the control distance of a quarter circle
    return Contour((cx + radius, cy), (
        ((cx + radius, cy + k), (cx + k, cy + radius), (cx, cy + radius)),
        ((cx - k, cy + radius), (cx - radius, cy + k), (cx - radius, cy)),
        ((cx - radius, cy - k), (cx - k, cy - radius), (cx, cy - radius)),
        ((cx + k, cy - radius), (cx + radius, cy - k), (cx + radius, cy)),
    ))
