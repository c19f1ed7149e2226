"""The scene in millimetres, its SVG and polylines (its rasterization: test_raster.py)."""

import math
import re
import xml.etree.ElementTree as ET

import pytest

from atelier.typeset import Box, Contour, Scene, TextStyle, layout

STYLE = TextStyle(font_id="dejavu-sans", size_mm=20.0, colour="#112233")
BOX = Box(width_mm=30, height_mm=30)


def o_scene() -> Scene:
    return layout("O", STYLE, BOX).scene()


def test_glyph_outlines_are_placed_in_millimetres_y_down() -> None:
    result = layout("O", STYLE, BOX)
    [path] = result.scene().paths
    assert len(path.contours) == 2  # the ring and its counter
    points = [p for polyline in path.polylines(0.01) for p in polyline]
    ys = [y for _, y in points]
    baseline = result.lines[0].baseline_mm
    assert max(ys) == pytest.approx(baseline, abs=0.02 * STYLE.size_mm)  # sits on the baseline
    assert baseline - min(ys) == pytest.approx(0.75 * STYLE.size_mm, rel=0.1)  # cap height, above
    assert path.colour == "#112233"


def test_svg_path_data_parses() -> None:
    [path] = o_scene().paths
    d = path.svg_d()
    assert d.startswith("M") and d.endswith("Z")
    assert re.fullmatch(r"([MLQCZ]|-?\d+(\.\d+)?|\s)+", d)
    assert d.count("M") == d.count("Z") == len(path.contours)
    svg = ET.fromstring(o_scene().svg())
    assert svg.get("viewBox") == "0 0 30 30" and svg.get("width") == "30mm"
    assert svg[0].get("d") == d


def test_flattening_stays_within_the_tolerance() -> None:
    curve = Contour((0.0, 0.0), (((5.0, 10.0), (10.0, 0.0)),))
    coarse, fine = curve.polyline(0.1), curve.polyline(0.001)
    assert len(fine) > len(coarse) > 2
    for t in (i / 200 for i in range(201)):
        on_curve = (10 * t, 20 * t * (1 - t))  # B(t) of that quadratic
        assert _distance_to_polyline(on_curve, coarse) <= 0.1 + 1e-9


def _distance_to_polyline(point: tuple[float, float], polyline: list) -> float:
    best = math.inf
    for a, b in zip(polyline, polyline[1:] + polyline[:1], strict=True):
        ax, ay, bx, by = *a, *b
        length = (bx - ax) ** 2 + (by - ay) ** 2
        t = (
            0
            if length == 0
            else ((point[0] - ax) * (bx - ax) + (point[1] - ay) * (by - ay)) / length
        )
        t = min(1, max(0, t))
        best = min(best, math.dist(point, (ax + t * (bx - ax), ay + t * (by - ay))))
    return best
