"""GLB and USDZ of a personalized product built from the design scene: read back by independent
readers (the Khronos glTF validator, usd-core's validation framework, pygltflib), at the
product's true size, with the 2D mockup's pixels on the zone."""

import dataclasses
import hashlib
import io
import math
import zipfile
from pathlib import Path

import numpy as np
import pygltflib
import pytest
from PIL import Image, ImageChops

from atelier.contracts.model3d import (
    BoxShape,
    CylinderShape,
    Finish,
    PlateShape,
    ProductModel,
    UploadedModel,
)
from atelier.contracts.spec import Align, DesignSpec, Layer, PlacedSpecZone, SpecView
from atelier.kit.testing.glbs import a_glb
from atelier.kit.testing.readers3d import (
    assert_valid_glb,
    base_colour_texture,
    point_at_uv,
    primitives,
    usd_errors,
)
from atelier.render import glb, mockup, model3d, uploaded, usdz
from atelier.render.domain import Undrawable

from .conftest import SANS, mockup_png

TRUE_SIZE_M = 1e-4  # ± 0.1 mm


def placed_zone(view: str = "front", x_mm: float = 90, y_mm: float = 40, width_mm: float = 100,
                height_mm: float = 25, layer: Layer = Layer.ENGRAVE, key: str = "name",
                text: str = "Ada Lovelace", rotation_deg: float = 0) -> PlacedSpecZone:
    return PlacedSpecZone(
        key=key, text=text, layer=layer, width_mm=width_mm, height_mm=height_mm, bleed_mm=0,
        safe_mm=1, font=SANS, size_mm=14, colour="#112233", align=Align.CENTER,
        line_height=1.2, max_lines=1, view=view, x_mm=x_mm, y_mm=y_mm,
        rotation_deg=rotation_deg)


def mug(layer: Layer = Layer.ENGRAVE) -> DesignSpec:
    """A mug of 82 mm across and 95 mm high with a 180 × 80 mm wrap and one zone."""
    return DesignSpec(product_id="mug", template_version=1,
                      views=[SpecView(key="front", width_mm=180, height_mm=80)],
                      zones=[placed_zone(layer=layer)],
                      model=CylinderShape(kind="cylinder", diameter_mm=82, height_mm=95))


def tag() -> DesignSpec:
    return DesignSpec(
        product_id="tag", template_version=1,
        views=[SpecView(key="front", width_mm=70, height_mm=30)],
        zones=[placed_zone(x_mm=35, y_mm=15, width_mm=60, height_mm=20, text="Rex",
                           rotation_deg=10)],
        model=PlateShape(kind="plate", width_mm=80, height_mm=40, thickness_mm=2,
                         finish=Finish(colour="#C0A060", metallic=1, roughness=0.3)))


def box() -> DesignSpec:
    views = [SpecView(key="front", width_mm=100, height_mm=50),
             SpecView(key="top", width_mm=100, height_mm=60)]
    zones = [placed_zone(x_mm=50, y_mm=25, width_mm=80, height_mm=20, text="Front"),
             placed_zone(view="top", key="lid", x_mm=50, y_mm=30, width_mm=80, height_mm=20,
                         text="Lid", layer=Layer.PRINT)]
    return DesignSpec(product_id="box", template_version=1, views=views, zones=zones,
                      model=BoxShape(kind="box", width_mm=120, height_mm=60, depth_mm=80))


def built(spec: DesignSpec) -> model3d.Model3D:
    assert spec.model is not None and spec.model.kind != "glb"
    return model3d.parametric_model(mockup.scene_of(spec), spec.model)


@pytest.mark.parametrize("spec", [mug(), mug(Layer.PRINT), tag(), box()],
                         ids=["mug-engraved", "mug-printed", "tag", "box"])
def test_every_glb_passes_the_khronos_validator_and_every_usdz_usd_cores_validation(
    spec: DesignSpec,
) -> None:
    model = built(spec)
    data = glb.serialize(model)
    report = assert_valid_glb(data)
    assert report["info"]["totalTriangleCount"] == model.triangle_count
    assert usd_errors(usdz.serialize(model)) == []


def test_the_models_keep_within_ar_budgets() -> None:
    for spec in (mug(), tag(), box()):
        model = built(spec)
        data = glb.serialize(model)
        assert len(data) < 10 * 1024 * 1024 and len(usdz.serialize(model)) < 10 * 1024 * 1024
        assert model.triangle_count < 100_000
        report = assert_valid_glb(data)
        sizes = [r["image"] for r in report["info"]["resources"] if "image" in r]
        assert sizes and all(max(s["width"], s["height"]) <= 2048 for s in sizes)


def test_a_large_view_gets_a_texture_of_at_most_2048_px() -> None:
    spec = DesignSpec(product_id="sign", template_version=1,
                      views=[SpecView(key="front", width_mm=600, height_mm=300)],
                      zones=[placed_zone(x_mm=300, y_mm=150)],
                      model=PlateShape(kind="plate", width_mm=600, height_mm=300))
    material = built(spec).parts[1].material
    assert material.texture_px == (2048, 1024)


def test_the_same_design_gives_the_same_bytes() -> None:
    for serialize in (glb.serialize, usdz.serialize):
        first, second = serialize(built(mug())), serialize(built(mug()))
        assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()


def test_the_usdz_is_an_uncompressed_64_byte_aligned_package_opened_at_its_layer(
    tmp_path: Path,
) -> None:
    from pxr import Usd, UsdGeom

    data = usdz.serialize(built(mug()))
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        infos = package.infolist()
        assert infos[0].filename.endswith(".usdc")
        for info in infos:
            assert info.compress_type == zipfile.ZIP_STORED
            local_extra = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30],
                                         "little")
            start = info.header_offset + 30 + len(info.filename) + local_extra
            assert start % 64 == 0, info.filename
    path = tmp_path / "mug.usdz"
    path.write_bytes(data)
    stage = Usd.Stage.Open(str(path))
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.y
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    assert stage.GetDefaultPrim().GetPath() == "/Product"


def test_engraving_is_a_rougher_material_where_the_text_is_and_printing_is_colour() -> None:
    engraved, printed = built(mug()).parts[1].material, built(mug(Layer.PRINT)).parts[1].material
    assert engraved.metallic_roughness is not None and printed.metallic_roughness is None
    rough = Image.open(io.BytesIO(engraved.metallic_roughness)).getchannel("G")
    assert rough.getextrema() == (round(0.5 * 255), round(0.9 * 255))


def zone_uv_box(spec: DesignSpec) -> tuple[float, float, float, float]:
    """The zone's print box as texture coordinates of its view (left, top, right, bottom)."""
    view, zone = spec.views[0], spec.zones[0]
    return ((zone.x_mm - zone.width_mm / 2) / view.width_mm,
            (zone.y_mm - zone.height_mm / 2) / view.height_mm,
            (zone.x_mm + zone.width_mm / 2) / view.width_mm,
            (zone.y_mm + zone.height_mm / 2) / view.height_mm)


def test_the_zone_on_the_mug_is_at_its_true_size() -> None:
    spec = mug()
    art = next(p for p in primitives(glb.serialize(built(spec))) if p.material == "view_front")
    left, top, right, bottom = zone_uv_box(spec)
    middle = (top + bottom) / 2
    a, b = point_at_uv(art, left, middle), point_at_uv(art, right, middle)
    radius = math.hypot(a[0], a[2])
    assert radius == pytest.approx(0.041, abs=TRUE_SIZE_M)
    angle = math.atan2(b[0], b[2]) - math.atan2(a[0], a[2])
    assert radius * angle == pytest.approx(0.100, abs=TRUE_SIZE_M)  # wrapped: along the side
    centre = (left + right) / 2
    upper, lower = point_at_uv(art, centre, top), point_at_uv(art, centre, bottom)
    assert upper[1] - lower[1] == pytest.approx(0.025, abs=TRUE_SIZE_M)
    # the artboard centred on the mug's height, the zone centred on the artboard's: facing +Z
    assert (upper[1] + lower[1]) / 2 == pytest.approx(0.095 / 2, abs=TRUE_SIZE_M)
    assert math.atan2(*point_at_uv(art, centre, middle)[[0, 2]]) == pytest.approx(0, abs=1e-3)


def test_the_zone_on_the_tag_is_at_its_true_size() -> None:
    spec = tag()
    art = next(p for p in primitives(glb.serialize(built(spec))) if p.material == "view_front")
    left, top, right, bottom = zone_uv_box(spec)
    assert np.linalg.norm(point_at_uv(art, right, top) - point_at_uv(art, left, top)) == \
        pytest.approx(0.060, abs=TRUE_SIZE_M)
    assert np.linalg.norm(point_at_uv(art, left, bottom) - point_at_uv(art, left, top)) == \
        pytest.approx(0.020, abs=TRUE_SIZE_M)
    assert point_at_uv(art, 0.5, 0.5)[2] == pytest.approx(0.001, abs=1e-6)  # on the front face


@pytest.mark.parametrize("spec", [mug(), tag()], ids=["mug", "tag"])
def test_the_texture_on_the_zone_is_the_2d_mockups_zone(spec: DesignSpec) -> None:
    data = glb.serialize(built(spec.model_copy(update={"model": spec.model.model_copy(  # type: ignore[union-attr]
        update={"finish": Finish()})})))
    texture = base_colour_texture(data, "view_front").convert("RGB")
    flat = mockup_png(mockup.scene_of(spec).views[0])
    drawn = Image.open(io.BytesIO(flat.data)).convert("RGB")
    assert texture.size == drawn.size  # both 10 px/mm
    left, top, right, bottom = zone_uv_box(spec)
    region = (round(left * texture.width), round(top * texture.height),
              round(right * texture.width), round(bottom * texture.height))
    difference = ImageChops.difference(texture.crop(region), drawn.crop(region))
    assert ImageChops.difference(drawn.crop(region), Image.new(
        "RGB", (region[2] - region[0], region[3] - region[1]), "white")).getbbox() is not None
    assert max(high for _, high in difference.getextrema()) <= 2


def test_a_view_larger_than_its_face_cannot_be_drawn() -> None:
    too_wide = mug().model_copy(update={"model": CylinderShape(
        kind="cylinder", diameter_mm=50, height_mm=95)})  # 157 mm around: the wrap is 180
    with pytest.raises(Undrawable, match="does not fit on the cylinder's side"):
        built(too_wide)
    too_tall: ProductModel = PlateShape(kind="plate", width_mm=80, height_mm=20)
    with pytest.raises(Undrawable, match="does not fit on the front face"):
        built(tag().model_copy(update={"model": too_tall}))


def uploaded_tag_glb() -> bytes:
    """A brand's GLB: the tag, its front face's material named after the zone ``name`` (and
    untextured), its body in the finish's colour."""
    model = built(tag())
    front = next(part for part in model.parts if part.name == "view_front")
    named = dataclasses.replace(front, material=model3d.Material("name", "#C0A060", 1.0, 0.3))
    return glb.serialize(dataclasses.replace(
        model, parts=tuple(named if part is front else part for part in model.parts)))


def test_an_uploaded_glb_shows_each_zone_on_the_uv_region_of_its_material() -> None:
    spec = tag().model_copy(update={"model": UploadedModel(kind="glb", sha256="0" * 64,
                                                           size_bytes=1)})
    built_again = uploaded.uploaded_model(mockup.scene_of(spec), uploaded_tag_glb())
    data = glb.serialize(built_again)
    assert_valid_glb(data)
    assert usd_errors(usdz.serialize(built_again)) == []
    zone_part = next(p for p in primitives(data) if p.material == "zone_name")
    assert zone_part.uvs is not None
    assert (zone_part.uvs.min(), zone_part.uvs.max()) == (0, 1)  # the whole print box
    # the zone's print box (60 × 20 mm) drawn over the material's colour, at 10 px/mm
    texture = base_colour_texture(data, "zone_name")
    assert texture.size == (600, 200)
    assert texture.convert("RGB").getpixel((0, 0)) == (0xC0, 0xA0, 0x60)
    body = next(p for p in primitives(data) if p.material != "zone_name")
    assert body.uvs is None  # the other materials keep their own colour, untextured


def test_an_uploaded_glb_naming_no_zone_cannot_be_drawn() -> None:
    spec = tag().model_copy(update={"model": UploadedModel(kind="glb", sha256="0" * 64,
                                                           size_bytes=1)})
    with pytest.raises(Undrawable, match="named after a zone"):
        uploaded.uploaded_model(mockup.scene_of(spec), glb.serialize(built(tag())))
    with pytest.raises(Undrawable, match="cannot be read"):
        uploaded.uploaded_model(mockup.scene_of(spec), b"glTF not really")


def test_an_uploaded_glb_is_flattened_with_its_node_transforms() -> None:
    """The brand's node scales its mesh by 2 and moves it: the model's parts are where the
    GLB's scene puts them."""
    doc = pygltflib.GLTF2.load_from_bytes(a_glb(material="name", triangles=4))
    doc.nodes[0].scale, doc.nodes[0].translation = [2.0, 2.0, 2.0], [0.0, 0.5, 0.0]
    moved = b"".join(doc.save_to_bytes())
    spec = tag().model_copy(update={"model": UploadedModel(kind="glb", sha256="0" * 64,
                                                           size_bytes=1)})
    [part] = uploaded.uploaded_model(mockup.scene_of(spec), moved).parts
    assert part.positions.min(axis=0) == pytest.approx([0, 0.5, 0])
    assert part.positions.max(axis=0) == pytest.approx([0.2, 0.6, 0])  # 10 × 5 cm, doubled
    assert part.normals[0] == pytest.approx([0, 0, 1])  # no normals given: from the faces
    assert_valid_glb(glb.serialize(uploaded.uploaded_model(mockup.scene_of(spec), moved)))
