"""The demo products are what the gateway's admin API accepts, and the curl commands ``make run``
prints are pasted as they are: they must say exactly what the gateway's API expects."""

import json
import shlex

from atelier.contracts.manufacturing import ExportPack
from atelier.contracts.model3d import CylinderShape, PlateShape
from atelier.contracts.personalization import (
    CharacterClass,
    CreateProduct,
    FontOption,
    TextRules,
    ValidateDesign,
)
from atelier.contracts.spec import Align, Layer
from atelier.devstack.demo import (
    FRAME,
    FRAME_VALUES,
    MUG,
    PRODUCT,
    TAG,
    Demo,
    instructions,
)

DEMO = Demo(brand_id="b-1", publishable_key="pk_test_1", secret_key="sk_test_1",
            product_id="p-1", frame_id="f-1", mug_id="m-1", tag_id="t-1")


def commands() -> list[list[str]]:
    """The curl commands of steps 1 to 6 (the pen and the frame, then production files)."""
    text = instructions("http://127.0.0.1:8000", DEMO).split("\n7. ")[0]
    return [shlex.split(line) for line in text.splitlines() if line.strip().startswith("curl")]


def commands_3d() -> list[list[str]]:
    text = instructions("http://127.0.0.1:8000", DEMO).split("\n7. ")[1]
    return [shlex.split(line) for line in text.splitlines() if line.strip().startswith("curl")]


def headers(argv: list[str]) -> dict[str, str]:
    pairs = [argv[i + 1].split(": ", 1) for i, arg in enumerate(argv) if arg == "-H"]
    return dict(pairs)


def body(argv: list[str]) -> ValidateDesign:
    return ValidateDesign.model_validate(json.loads(argv[argv.index("-d") + 1]))


def test_the_pen_is_one_engraved_zone_in_two_fonts() -> None:
    product = CreateProduct.model_validate(PRODUCT)
    [zone] = product.zones
    assert (product.name, zone.key, zone.label) == ("Engraved Pen", "name", "Name")
    assert (zone.width_mm, zone.height_mm, zone.safe_mm, zone.layer) == (60, 12, 1, Layer.ENGRAVE)
    assert zone.fonts == [FontOption(font_id="dejavu-sans", min_size_mm=3, max_size_mm=8),
                          FontOption(font_id="dejavu-serif", min_size_mm=3, max_size_mm=8)]
    assert (zone.colours, zone.align) == (["#1F2937"], Align.CENTER)
    assert zone.rules == TextRules(max_length=20, max_lines=1)


def test_the_frame_is_three_printed_zones_with_their_own_rules() -> None:
    product = CreateProduct.model_validate(FRAME)
    title, date, dedication = product.zones
    assert product.name == "Photo Frame"
    assert [z.key for z in product.zones] == ["title", "date", "dedication"]
    assert {z.layer for z in product.zones} == {Layer.PRINT}
    assert title.rules.max_lines == 2
    assert date.rules.allowed_classes == [
        CharacterClass.DIGITS, CharacterClass.PUNCTUATION, CharacterClass.SPACE
    ]
    assert (dedication.rules.max_length, dedication.rules.max_lines) == (40, 2)
    assert dedication.rules.allowed_classes == [
        CharacterClass.LETTERS, CharacterClass.PUNCTUATION, CharacterClass.SPACE
    ]
    assert set(FRAME_VALUES) == {z.key for z in product.zones}


def test_validate_snapshot_get_and_download_commands() -> None:
    validate, create, get, download, *_ = commands()
    assert validate[:5] == ["curl", "-s", "-X", "POST",
                            "http://127.0.0.1:8000/v1/personalization/validate"]
    assert create[4] == "http://127.0.0.1:8000/v1/snapshots"
    for command in (validate, create):
        assert body(command) == ValidateDesign(product_id="p-1", values={"name": "Ada Lovelace"})
        assert headers(command)["X-Atelier-Key"] == "pk_test_1"
        assert headers(command)["Content-Type"] == "application/json"
    assert headers(create)["Idempotency-Key"]
    assert "Idempotency-Key" not in headers(validate)
    assert get[:3] == ["curl", "-s", "http://127.0.0.1:8000/v1/snapshots/SNAPSHOT_ID"]
    assert headers(get)["X-Atelier-Key"] == "pk_test_1"
    assert download == ["curl", "-o", "preview.jpg", "http://127.0.0.1:8000PREVIEW_URL"]


def test_a_preview_while_typing_and_its_events() -> None:
    preview, events = commands()[5:7]
    assert preview[:5] == ["curl", "-s", "-X", "POST", "http://127.0.0.1:8000/v1/renders/preview"]
    assert body(preview).product_id == "p-1" and headers(preview)["X-Atelier-Key"] == "pk_test_1"
    assert events[:3] == ["curl", "-sN", "http://127.0.0.1:8000/v1/renders/RENDER_ID/events"]
    assert headers(events)["X-Atelier-Key"] == "pk_test_1"


def test_the_frame_is_validated_with_a_value_for_each_zone() -> None:
    frame = commands()[4]
    assert frame[:5] == ["curl", "-s", "-X", "POST",
                         "http://127.0.0.1:8000/v1/personalization/validate"]
    assert body(frame) == ValidateDesign(product_id="f-1", values=FRAME_VALUES)
    assert headers(frame)["X-Atelier-Key"] == "pk_test_1"


def test_the_secret_key_and_both_products_are_shown() -> None:
    text = instructions("http://127.0.0.1:8000", DEMO)
    assert "sk_test_1" in text
    assert "'Engraved Pen' p-1" in text and "'Photo Frame' f-1" in text


def test_the_production_bundle_commands() -> None:
    approve, export, work_order, download = commands()[7:]
    assert approve[:5] == ["curl", "-s", "-X", "POST",
                           "http://127.0.0.1:8000/v1/admin/snapshots/SNAPSHOT_ID/validate"]
    assert export[:5] == ["curl", "-s", "-X", "POST",
                          "http://127.0.0.1:8000/v1/manufacturing/export-pack"]
    assert ExportPack.model_validate(json.loads(export[export.index("-d") + 1])) == ExportPack(
        snapshot_id="SNAPSHOT_ID")
    assert headers(export)["Idempotency-Key"]
    assert work_order[:3] == ["curl", "-s",
                              "http://127.0.0.1:8000/v1/manufacturing/work-orders/WORK_ORDER_ID"]
    for command in (approve, export, work_order):
        assert headers(command)["Authorization"] == "Bearer sk_test_1"
    assert download == ["curl", "-o", "bundle.zip", "http://127.0.0.1:8000DOWNLOAD_URL"]


def test_the_mug_and_the_tag_have_3d_models_their_views_fit() -> None:
    mug, tag = CreateProduct.model_validate(MUG), CreateProduct.model_validate(TAG)
    assert isinstance(mug.model, CylinderShape) and isinstance(tag.model, PlateShape)
    wrap, front = mug.views[0], tag.views[0]
    assert wrap.width_mm <= 3.14159 * mug.model.diameter_mm and wrap.height_mm <= 95
    assert (front.width_mm, front.height_mm) <= (tag.model.width_mm, tag.model.height_mm)
    assert (mug.zones[0].layer, tag.zones[0].layer) == (Layer.PRINT, Layer.ENGRAVE)


def test_where_to_fetch_the_glb_and_the_usdz_is_printed() -> None:
    glb, usdz, render, fetch_glb, fetch_usdz = commands_3d()
    assert glb[4] == "http://127.0.0.1:8000/v1/renders/preview?kind=glb"
    assert body(glb).product_id == "m-1" and headers(glb)["X-Atelier-Key"] == "pk_test_1"
    assert usdz[4] == "http://127.0.0.1:8000/v1/renders/preview?kind=usdz"
    assert body(usdz).product_id == "t-1"
    assert render[:3] == ["curl", "-s", "http://127.0.0.1:8000/v1/renders/RENDER_ID"]
    assert (fetch_glb[2], fetch_usdz[2]) == ("mug.glb", "tag.usdz")
    text = instructions("http://127.0.0.1:8000", DEMO)
    assert "'Mug' m-1" in text and "'Brass Tag' t-1" in text
