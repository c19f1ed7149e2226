"""Each export read back by an independent reader, and its geometry held against the scene's:
ezdxf (re-read and audited), qpdf and poppler (structure, boxes, pixels), ghostscript (the
PDF's ink bounding box), resvg (a second SVG renderer against the PNG export), Pillow (the PNG's
recorded DPI), fontTools (the SVG's path data)."""

import io
import itertools
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import ezdxf
import numpy as np
import pytest
import skia
from ezdxf import bbox
from fontTools.pens.boundsPen import BoundsPen
from fontTools.svgLib.path import parse_path
from PIL import Image

from atelier.contracts.manufacturing import ColourMode
from atelier.contracts.spec import Layer
from atelier.manufacturing.exports import dxf, pdf, png, svg
from atelier.typeset.product import ViewScene, product_scene
from atelier.typeset.raster import rasterize

from .conftest import EVERY_FORMAT, a_design, a_zone

Box = tuple[float, float, float, float]  # left, top, right, bottom in mm, y down
WITHIN_MM = 0.01
MM_PER_PT = 25.4 / 72


def view_of(*zones) -> ViewScene:  # type: ignore[no-untyped-def]
    return product_scene(a_design(*zones)).views[0]


def scene_box(view: ViewScene) -> Box:
    """The scene's ink: Skia's tight bounds of its curves (not of their control points)."""
    bounds = skia.Rect.MakeEmpty()
    for glyph in view.paths:
        shape = skia.Path()
        for contour in glyph.path.contours:
            shape.moveTo(*contour.start)
            for s in contour.segments:
                {1: shape.lineTo, 2: shape.quadTo, 3: shape.cubicTo}[len(s)](
                    *itertools.chain(*s))
            shape.close()
        bounds.join(shape.computeTightBounds())
    return (bounds.left(), bounds.top(), bounds.right(), bounds.bottom())


def assert_same_box(box: Box, expected: Box, within: float = WITHIN_MM) -> None:
    assert max(abs(a - b) for a, b in zip(box, expected, strict=True)) <= within, (box, expected)


def tmp_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- dimensional truth ---------------------------------------------------------------------------
def test_the_svg_is_at_true_size_with_the_scenes_outlines() -> None:
    view = view_of()
    root = ET.fromstring(svg.serialize(view, EVERY_FORMAT))
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("80mm", "50mm",
                                                                            "0 0 80 50")
    pen = BoundsPen(None)
    for path in root.iter("{http://www.w3.org/2000/svg}path"):
        parse_path(path.get("d"), pen)
    assert pen.bounds is not None
    assert_same_box(pen.bounds, scene_box(view))


def test_the_svg_groups_layers_in_their_colours_with_ids_naming_zone_and_layer() -> None:
    view = view_of(a_zone("name", "Ab"), a_zone("mark", "O", Layer.CUT, y=35),
                   a_zone("date", "1", Layer.ENGRAVE, y=25))
    root = ET.fromstring(svg.serialize(view, EVERY_FORMAT))
    ns = "{http://www.w3.org/2000/svg}"
    groups = {g.get("id"): g for g in root.iter(f"{ns}g")}
    assert list(groups) == ["layer-print", "layer-engrave", "layer-cut"]
    assert [p.get("id") for p in groups["layer-print"]] == ["name-print-0", "name-print-1"]
    assert groups["layer-engrave"][0].get("fill") == "#000000"
    cut = groups["layer-cut"][0]
    assert (cut.get("fill"), cut.get("stroke"), cut.get("stroke-width")) == ("none", "#ff0000",
                                                                            "0.01")
    assert groups["layer-print"][0].get("fill") == "#1f4e99"


def read_dxf(data: bytes) -> ezdxf.document.Drawing:
    return ezdxf.read(io.StringIO(data.decode()))


def test_the_dxf_is_in_millimetres_with_the_scenes_outlines_y_up() -> None:
    view = view_of()
    doc = read_dxf(dxf.serialize(view, EVERY_FORMAT))
    assert doc.units == ezdxf.units.MM and doc.header["$INSUNITS"] == 4
    extents = bbox.extents(doc.modelspace())
    # back to the artboard's y down
    box = (extents.extmin.x, view.height_mm - extents.extmax.y, extents.extmax.x,
           view.height_mm - extents.extmin.y)
    assert_same_box(box, scene_box(view))


def test_the_dxf_passes_ezdxfs_audit_with_every_outline_closed_on_a_layer_per_operation() -> None:
    view = view_of(a_zone("name", "Ab8"), a_zone("mark", "O", Layer.CUT, y=35),
                   a_zone("date", "1", Layer.ENGRAVE, y=25))
    doc = read_dxf(dxf.serialize(view, EVERY_FORMAT))
    auditor = doc.audit()
    assert auditor.has_errors is False and not auditor.errors
    entities = list(doc.modelspace())
    assert entities and all(e.dxftype() == "LWPOLYLINE" and e.closed for e in entities)
    assert {e.dxf.layer for e in entities} == {"PRINT", "CUT", "ENGRAVE"}
    # "A" is one loop with a hole, "b" and "8" have holes: each a loop of its own
    assert sum(1 for e in entities if e.dxf.layer == "PRINT") == 2 + 2 + 3


def crossings(loops: list[list[tuple[float, float]]]) -> int:
    """Pairs of edges of different loops that cross (or touch)."""

    def edges(loop: list[tuple[float, float]]) -> list[tuple[tuple[float, float], ...]]:
        return list(zip(loop, loop[1:] + loop[:1], strict=True))

    def cross(a: tuple, b: tuple) -> bool:  # type: ignore[type-arg]
        (p1, p2), (p3, p4) = a, b

        def side(p, q, r):  # type: ignore[no-untyped-def]
            return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

        return (side(p1, p2, p3) * side(p1, p2, p4) <= 0
                and side(p3, p4, p1) * side(p3, p4, p2) <= 0)

    def box(loop):  # type: ignore[no-untyped-def]
        xs, ys = [p[0] for p in loop], [p[1] for p in loop]
        return min(xs), min(ys), max(xs), max(ys)

    found = 0
    for a, b in itertools.combinations(loops, 2):
        ba, bb = box(a), box(b)
        if ba[2] < bb[0] or bb[2] < ba[0] or ba[3] < bb[1] or bb[3] < ba[1]:
            continue
        found += sum(cross(e, f) for e in edges(a) for f in edges(b))
    return found


def test_overlapping_glyphs_on_the_cut_layer_are_united_into_outlines_that_never_cross() -> None:
    # two zones cutting "OO", the second 3 mm to the right: every letter overlaps another
    view = view_of(a_zone("a", "OO", Layer.CUT), a_zone("b", "OO", Layer.CUT, x=43))
    before = [loop for p in view.paths for loop in p.path.polylines(0.05)]
    assert crossings(before) > 0
    doc = read_dxf(dxf.serialize(view, EVERY_FORMAT))
    loops = [[(x, y) for x, y, *_ in e.get_points()] for e in doc.modelspace()]
    assert {e.dxf.layer for e in doc.modelspace()} == {"CUT"}
    assert crossings(loops) == 0


# --- PDF ------------------------------------------------------------------------------------------
def pdf_boxes(path: Path) -> dict[str, list[float]]:
    out = subprocess.run(["pdfinfo", "-box", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return {m[1]: [float(v) for v in m[2].split()]
            for m in re.finditer(r"^(\w+Box):\s+(.+)$", out, re.MULTILINE)}


def test_the_pdf_passes_qpdf_and_has_its_trim_and_bleed_boxes(tmp_path: Path) -> None:
    view = view_of()
    path = tmp_file(tmp_path, "front.pdf", pdf.serialize(view, EVERY_FORMAT))
    subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)
    boxes = {name: [v * MM_PER_PT for v in box] for name, box in pdf_boxes(path).items()}
    # page = trim (80 × 50) plus the zones' 2 mm bleed round it
    assert_same_box(boxes["MediaBox"], (0, 0, 84, 54))
    assert_same_box(boxes["BleedBox"], (0, 0, 84, 54))
    assert_same_box(boxes["TrimBox"], (2, 2, 82, 52))


def test_crop_marks_widen_the_page_outside_the_bleed(tmp_path: Path) -> None:
    profile = EVERY_FORMAT.model_copy(update={"crop_marks": True})
    path = tmp_file(tmp_path, "front.pdf", pdf.serialize(view_of(), profile))
    boxes = {name: [v * MM_PER_PT for v in box] for name, box in pdf_boxes(path).items()}
    margin = 2 + pdf.MARKS_MM
    assert_same_box(boxes["MediaBox"], (0, 0, 80 + 2 * margin, 50 + 2 * margin))
    assert_same_box(boxes["BleedBox"], (margin - 2, margin - 2, margin + 82, margin + 52))
    assert_same_box(boxes["TrimBox"], (margin, margin, margin + 80, margin + 50))


def test_the_pdfs_ink_has_the_scenes_bounding_box(tmp_path: Path) -> None:
    view = view_of()
    path = tmp_file(tmp_path, "front.pdf", pdf.serialize(view, EVERY_FORMAT))
    # ghostscript's bbox device at 4000 dpi (its most): a pixel is 0.00635 mm
    out = subprocess.run(["gs", "-q", "-dBATCH", "-dNOPAUSE", "-dSAFER", "-r4000",
                          "-sDEVICE=bbox", str(path)], capture_output=True, text=True, check=True)
    found = re.search(r"%%HiResBoundingBox: (\S+) (\S+) (\S+) (\S+)", out.stderr)
    assert found is not None, out.stderr
    x0, y0, x1, y1 = (float(v) * MM_PER_PT for v in found.groups())
    page_height, bleed = 54, 2
    box = (x0 - bleed, page_height - y1 - bleed, x1 - bleed, page_height - y0 - bleed)
    assert_same_box(box, scene_box(view))


def test_the_pdf_rendered_by_poppler_matches_the_mockup(tmp_path: Path) -> None:
    view = view_of()
    path = tmp_file(tmp_path, "front.pdf", pdf.serialize(view, EVERY_FORMAT))
    # 254 dpi = 10 px/mm: the 2 mm bleed is 20 px
    subprocess.run(["pdftoppm", "-r", "254", "-png", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    page = np.asarray(Image.open(tmp_path / "page.png").convert("RGB"), dtype=float)
    trim = page[20:520, 20:820]
    mockup = np.asarray(rasterize(view.scene(), 10.0, "#ffffff"), dtype=float)
    assert trim.shape == mockup.shape
    assert np.abs(trim - mockup).mean() < 1.0  # of 255, over the page: only edges differ
    ink = (mockup < 250).any(axis=2)
    assert np.abs(trim - mockup)[ink].mean() < 25  # at the ink, anti-aliasing apart


def test_cmyk_profiles_give_cmyk_colours(tmp_path: Path) -> None:
    profile = EVERY_FORMAT.model_copy(update={"colour_mode": ColourMode.CMYK})
    path = tmp_file(tmp_path, "front.pdf", pdf.serialize(view_of(), profile))
    content = subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(path), "-"],
                             capture_output=True, check=True).stdout
    assert re.search(rb"[\d.]+ [\d.]+ [\d.]+ [\d.]+ k\b", content)
    assert not re.search(rb"[\d.]+ [\d.]+ [\d.]+ rg\b", content)
    assert pdf.cmyk_of(0, 0, 0) == (0, 0, 0, 1)


# --- PNG and SVG ----------------------------------------------------------------------------------
def test_the_png_records_its_dpi_and_is_transparent_where_nothing_is_printed() -> None:
    profile = EVERY_FORMAT.model_copy(update={"dpi": 300})
    image = Image.open(io.BytesIO(png.serialize(view_of(), profile)))
    assert image.mode == "RGBA"
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    assert image.size == (945, 591)  # 80 × 50 mm at 300 dpi
    assert image.getpixel((0, 0))[3] == 0


def test_the_svg_rendered_by_resvg_matches_the_png_export(tmp_path: Path) -> None:
    view = view_of(a_zone("name", "Ada"), a_zone("date", "1815", y=35, rotation=5,
                                                 colour="#aa2200"))
    resvg = Path(sys.executable).parent / "resvg"
    svg_file = tmp_file(tmp_path, "front.svg", svg.serialize(view, EVERY_FORMAT))
    subprocess.run([str(resvg), "--dpi", "254", str(svg_file), str(tmp_path / "svg.png")],
                   check=True)
    theirs = np.asarray(Image.open(tmp_path / "svg.png").convert("RGBA"), dtype=float)
    ours = np.asarray(Image.open(io.BytesIO(png.serialize(view, EVERY_FORMAT))), dtype=float)
    assert theirs.shape == ours.shape == (500, 800, 4)
    alpha = np.abs(theirs[..., 3] - ours[..., 3])
    assert alpha.mean() < 1.0 and (alpha > 128).mean() < 0.001
    ink = (ours[..., 3] == 255) & (theirs[..., 3] == 255)
    assert ink.sum() > 1000
    assert np.abs(theirs[ink][:, :3] - ours[ink][:, :3]).max() <= 2


def test_a_mirrored_profile_flips_every_format_left_to_right() -> None:
    view = view_of()
    mirrored = EVERY_FORMAT.model_copy(update={"mirror": True})
    left, top, right, bottom = scene_box(view)
    root = ET.fromstring(svg.serialize(view, mirrored))
    pen = BoundsPen(None)
    for path in root.iter("{http://www.w3.org/2000/svg}path"):
        parse_path(path.get("d"), pen)
    assert pen.bounds is not None
    assert_same_box(pen.bounds, (80 - right, top, 80 - left, bottom))
    straight = np.asarray(Image.open(io.BytesIO(png.serialize(view, EVERY_FORMAT))))
    flipped = np.asarray(Image.open(io.BytesIO(png.serialize(view, mirrored))))
    assert np.abs(flipped[:, ::-1].astype(int) - straight).mean() < 1.0
