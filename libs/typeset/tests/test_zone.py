"""A zone's text placed in its print box: translation, the safe area, vertical alignment."""

from dataclasses import replace

import pytest

from atelier.typeset import Box, Contour, Path, PrintBox, Scene, TextStyle, layout, zone_scene
from atelier.typeset.scene import Point

STYLE = TextStyle(font_id="dejavu-sans", size_mm=6.0, align="center", colour="#AA2233")
ZONE = PrintBox(width_mm=64, height_mm=20, safe_mm=2.5)
TOLERANCE_MM = 0.01


def all_points(contour: Contour) -> list[Point]:
    return [contour.start, *(point for segment in contour.segments for point in segment)]


def ink_bounds(scene: Scene) -> tuple[float, float, float, float]:
    points = [
        point
        for path in scene.paths
        for polyline in path.polylines(TOLERANCE_MM / 10)
        for point in polyline
    ]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def test_translation_moves_every_point_of_every_segment_kind() -> None:
    line, quadratic, cubic = ((4.0, 0.0),), ((6.0, 2.0), (4.0, 4.0)), ((3, 5), (1, 5), (0.0, 4.0))
    contour = Contour((0.0, 0.0), (line, quadratic, cubic))
    path = Path((contour, Contour((1.0, 1.0), (((2.0, 1.0),), ((2.0, 2.0),)))), "#112233")

    moved = path.translated(1.5, -0.25)

    assert moved.colour == path.colour and len(moved.contours) == len(path.contours)
    for before, after in zip(path.contours, moved.contours, strict=True):
        assert [len(s) for s in after.segments] == [len(s) for s in before.segments]
        assert all_points(after) == [(x + 1.5, y - 0.25) for x, y in all_points(before)]
    assert moved.contours[0].start == (1.5, -0.25)
    assert moved.contours[0].segments[2] == ((4.5, 4.75), (2.5, 4.75), (1.5, 3.75))
    assert path.contours[0] == contour  # pure: the original is untouched
    assert path.translated(0, 0) == path


def test_the_safe_box_is_the_print_box_less_the_inset_on_every_side() -> None:
    assert ZONE.safe_box == Box(59, 15)
    assert PrintBox(30, 10).safe_box == Box(30, 10)  # no inset: the whole print box


@pytest.mark.parametrize(
    ("width", "height", "safe"), [(10, 4, 2), (10, 4, 3), (10, 4, -1), (0, 4, 0), (10, -4, 0)]
)
def test_a_print_box_must_leave_a_safe_area(width: float, height: float, safe: float) -> None:
    with pytest.raises(ValueError, match="PrintBox"):
        PrintBox(width, height, safe)


def test_the_scene_has_the_print_box_size() -> None:
    scene = zone_scene("Ada", STYLE, ZONE, max_lines=1)
    assert (scene.width_mm, scene.height_mm) == (64, 20)
    assert scene.paths and {path.colour for path in scene.paths} == {"#aa2233"}


@pytest.mark.parametrize("align", ["start", "center", "end"])
@pytest.mark.parametrize("text", ["HOH", "Ada Lovelace", "Ada\nLovelace", "שלום עולם"])
def test_text_that_fits_is_drawn_inside_the_safe_area(text: str, align: str) -> None:
    style = replace(STYLE, align=align, size_mm=5.0)
    assert layout(text, style, ZONE.safe_box, max_lines=2).fits
    left, top, right, bottom = ink_bounds(zone_scene(text, style, ZONE, max_lines=2))
    safe = ZONE.safe_mm
    assert safe - TOLERANCE_MM <= left < right <= ZONE.width_mm - safe + TOLERANCE_MM
    assert safe - TOLERANCE_MM <= top < bottom <= ZONE.height_mm - safe + TOLERANCE_MM


def test_the_scene_is_the_safe_area_layout_moved_by_the_inset() -> None:
    centred = replace(STYLE, valign="middle")
    laid = layout("Ada Lovelace", centred, ZONE.safe_box, max_lines=2).scene()
    placed = zone_scene("Ada Lovelace", centred, ZONE, max_lines=2)
    assert placed.paths == tuple(path.translated(2.5, 2.5) for path in laid.paths)
    assert ZONE.from_safe_area(laid) == placed


@pytest.mark.parametrize("text", ["Ada", "Ada\nLovelace"])
@pytest.mark.parametrize(("valign", "share"), [("top", 0), ("middle", 0.5), ("bottom", 1)])
def test_the_block_is_aligned_vertically_in_the_safe_area(
    text: str, valign: str, share: float
) -> None:
    style = replace(STYLE, valign=valign)
    top_aligned = layout(text, replace(STYLE, valign="top"), ZONE.safe_box, max_lines=2)
    free = ZONE.safe_box.height_mm - top_aligned.height_mm
    assert free > 0
    expected = [
        path.translated(ZONE.safe_mm, ZONE.safe_mm + free * share)
        for path in top_aligned.scene().paths
    ]
    placed = zone_scene(text, style, ZONE, max_lines=2)
    assert len(placed.paths) == len(expected)
    for got, want in zip(placed.paths, expected, strict=True):
        for a, b in zip(got.contours, want.contours, strict=True):
            assert all_points(a) == [pytest.approx(p, abs=1e-9) for p in all_points(b)]


def test_an_unknown_font_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        zone_scene("Ada", replace(STYLE, font_id="no-such-font"), ZONE)
