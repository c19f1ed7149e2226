"""The demo ``make run`` seeds through the gateway's public API: a brand, an engravable pen and a
printed photo frame (three zones), each with a view placed on a photo of the product (drawn by
the project: ``photos``), a printed mug (a cylinder) and an engraved brass tag (a plate) with
3D models, then ready-to-paste curl commands that go from validation to the snapshot's preview,
a mockup of the product, and to the GLB and USDZ of a mug and a tag."""

import json
import shlex
import uuid
from dataclasses import dataclass

import httpx

from atelier.devstack import photos

BRAND = {"name": "Demo Brand", "allowed_origins": ["http://localhost:8000"]}
INK = "#1F2937"
PRODUCT = {
    "name": "Engraved Pen",
    "views": [{
        "key": "barrel", "label": "Barrel", "width_mm": photos.PEN_ARTBOARD[0],
        "height_mm": photos.PEN_ARTBOARD[1],
        "placement": {"kind": "straight", "scale_px_per_mm": photos.PEN_SCALE,
                      "offset_x_px": photos.PEN_OFFSET[0], "offset_y_px": photos.PEN_OFFSET[1]},
    }],
    "zones": [
        {
            "key": "name",
            "label": "Name",
            "width_mm": 60,
            "height_mm": 12,
            "safe_mm": 1,
            "layer": "engrave",
            "fonts": [
                {"font_id": "dejavu-sans", "min_size_mm": 3, "max_size_mm": 8},
                {"font_id": "dejavu-serif", "min_size_mm": 3, "max_size_mm": 8},
            ],
            "colours": [INK],
            "align": "center",
            "rules": {"max_length": 20, "max_lines": 1},
            "placement": {"view": "barrel", "x_mm": 70, "y_mm": 7},
        }
    ],
}
FRAME = {
    "name": "Photo Frame",
    "views": [{
        "key": "print", "label": "Print", "width_mm": photos.FRAME_ARTBOARD[0],
        "height_mm": photos.FRAME_ARTBOARD[1],
        "placement": {"kind": "quad", "corners": [
            {"x_px": x, "y_px": y} for x, y in photos.FRAME_CORNERS]},
    }],
    "zones": [
        {
            "key": "title",
            "label": "Title",
            "width_mm": 160,
            "height_mm": 30,
            "bleed_mm": 2,
            "safe_mm": 3,
            "layer": "print",
            "fonts": [
                {"font_id": "dejavu-serif", "min_size_mm": 4, "max_size_mm": 12},
                {"font_id": "dejavu-sans", "min_size_mm": 4, "max_size_mm": 12},
            ],
            "colours": [INK, "#7C2D12", "#1E3A8A"],
            "align": "center",
            "rules": {"max_length": 40, "max_lines": 2},
            "placement": {"view": "print", "x_mm": 100, "y_mm": 30},
        },
        {
            "key": "date",
            "label": "Date",
            "width_mm": 80,
            "height_mm": 10,
            "bleed_mm": 2,
            "safe_mm": 1,
            "layer": "print",
            "fonts": [{"font_id": "dejavu-sans", "min_size_mm": 3, "max_size_mm": 7}],
            "colours": [INK],
            "align": "center",
            "rules": {"max_length": 20, "max_lines": 1,
                      "allowed_classes": ["digits", "punctuation", "space"]},
            "placement": {"view": "print", "x_mm": 100, "y_mm": 54},
        },
        {
            "key": "dedication",
            "label": "Dedication",
            "width_mm": 160,
            "height_mm": 24,
            "bleed_mm": 2,
            "safe_mm": 2,
            "layer": "print",
            "fonts": [{"font_id": "dejavu-serif", "min_size_mm": 3, "max_size_mm": 8}],
            "colours": [INK],
            "align": "center",
            "rules": {"max_length": 40, "max_lines": 2,
                      "allowed_classes": ["letters", "punctuation", "space"]},
            "placement": {"view": "print", "x_mm": 100, "y_mm": 122},
        },
    ],
}

def _one_zone(key: str, width_mm: float, height_mm: float, layer: str, colours: list[str],
              view: str, x_mm: float, y_mm: float, max_size_mm: float) -> dict:
    return {"key": key, "label": key.title(), "width_mm": width_mm, "height_mm": height_mm,
            "safe_mm": 1, "layer": layer, "colours": colours, "align": "center",
            "fonts": [{"font_id": "dejavu-sans", "min_size_mm": 3, "max_size_mm": max_size_mm},
                      {"font_id": "dejavu-serif", "min_size_mm": 3,
                       "max_size_mm": max_size_mm}],
            "rules": {"max_length": 20, "max_lines": 1},
            "placement": {"view": view, "x_mm": x_mm, "y_mm": y_mm}}


# 3D: a mug whose printed wrap (200 x 80 mm) goes around an 82 mm cylinder, and a brass tag
# whose front is engraved (a rougher, darker material where the text is)
MUG = {
    "name": "Mug",
    "views": [{"key": "front", "label": "Wrap", "width_mm": 200, "height_mm": 80}],
    "zones": [_one_zone("name", 120, 30, "print", [INK, "#7C2D12", "#1E3A8A"], "front", 100,
                        40, 20)],
    "model": {"kind": "cylinder", "diameter_mm": 82, "height_mm": 95,
              "finish": {"colour": "#FFFFFF", "metallic": 0, "roughness": 0.25}},
}
TAG = {
    "name": "Brass Tag",
    "views": [{"key": "front", "label": "Front", "width_mm": 56, "height_mm": 26}],
    "zones": [_one_zone("name", 50, 14, "engrave", ["#3B2F1E"], "front", 28, 13, 10)],
    "model": {"kind": "plate", "width_mm": 60, "height_mm": 30, "thickness_mm": 2,
              "finish": {"colour": "#C9A55C", "metallic": 1, "roughness": 0.3}},
}
MUG_VALUES = {"name": "Ada"}
TAG_VALUES = {"name": "Rex"}
ORIGIN = "http://localhost:8000"
PEN_VALUES = {"name": "Ada Lovelace"}
FRAME_VALUES = {"title": "Our first home", "date": "12.06.2024",
                "dedication": "With love, from all of us"}


class SeedFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Demo:
    brand_id: str
    publishable_key: str
    secret_key: str
    product_id: str  # the Engraved Pen
    frame_id: str  # the Photo Frame
    mug_id: str  # the Mug (a cylinder in 3D)
    tag_id: str  # the Brass Tag (a plate in 3D)


def _created(response: httpx.Response, what: str) -> dict:
    if response.status_code not in (200, 201):
        raise SeedFailed(
            f"{what}: {response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:500]}"
        )
    return response.json()


async def seed(gateway_url: str, platform_token: str) -> Demo:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10.0) as client:
        brand = _created(
            await client.post("/v1/platform/brands", json=BRAND,
                              headers={"Authorization": f"Bearer {platform_token}"}),
            "creating the demo brand",
        )
        admin = {"Authorization": f"Bearer {brand['secret_key']}"}
        pen, frame, mug, tag = [
            _created(await client.post("/v1/admin/products", json=product, headers=admin),
                     f"creating the demo product {product['name']!r}")
            for product in (PRODUCT, FRAME, MUG, TAG)
        ]
        for product, view, photo in ((pen, "barrel", photos.pen_photo()),
                                     (frame, "print", photos.frame_photo())):
            _created(await client.put(
                f"/v1/admin/products/{product['id']}/views/{view}/photo", content=photo,
                headers={**admin, "Content-Type": "image/png"}),
                f"uploading the photo of {product['name']!r}")
    return Demo(brand["id"], brand["publishable_key"], brand["secret_key"], pen["id"], frame["id"],
                mug["id"], tag["id"])


def _curl(method: str, url: str, headers: dict[str, str], body: dict | None = None) -> str:
    parts = ["curl", "-s"] + (["-X", method] if method != "GET" else []) + [url]
    for name, value in headers.items():
        parts += ["-H", f"{name}: {value}"]
    if body is not None:
        parts += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
    return " ".join(shlex.quote(p) for p in parts)


def instructions(gateway_url: str, demo: Demo) -> str:
    widget = {"X-Atelier-Key": demo.publishable_key, "Origin": ORIGIN}
    validate_url = f"{gateway_url}/v1/personalization/validate"
    design = {"product_id": demo.product_id, "values": PEN_VALUES}
    validate = _curl("POST", validate_url, widget, design)
    snapshot = _curl("POST", f"{gateway_url}/v1/snapshots",
                     {**widget, "Idempotency-Key": str(uuid.uuid4())}, design)
    get = _curl("GET", f"{gateway_url}/v1/snapshots/SNAPSHOT_ID", widget)
    frame = _curl("POST", validate_url, widget, {"product_id": demo.frame_id,
                                                 "values": FRAME_VALUES})
    typing = {"product_id": demo.product_id, "values": {"name": "Ada L"}}
    preview = _curl("POST", f"{gateway_url}/v1/renders/preview", widget, typing)
    events = _curl("GET", f"{gateway_url}/v1/renders/RENDER_ID/events", widget).replace(
        "curl -s", "curl -sN", 1)  # -N: each event as it comes
    admin = {"Authorization": f"Bearer {demo.secret_key}"}
    approve = _curl("POST", f"{gateway_url}/v1/admin/snapshots/SNAPSHOT_ID/validate", admin)
    export = _curl("POST", f"{gateway_url}/v1/manufacturing/export-pack",
                   {**admin, "Idempotency-Key": str(uuid.uuid4())}, {"snapshot_id": "SNAPSHOT_ID"})
    work_order = _curl("GET", f"{gateway_url}/v1/manufacturing/work-orders/WORK_ORDER_ID", admin)
    mug = _curl("POST", f"{gateway_url}/v1/renders/preview?kind=glb", widget,
                {"product_id": demo.mug_id, "values": MUG_VALUES})
    tag = _curl("POST", f"{gateway_url}/v1/renders/preview?kind=usdz", widget,
                {"product_id": demo.tag_id, "values": TAG_VALUES})
    render = _curl("GET", f"{gateway_url}/v1/renders/RENDER_ID", widget)
    return "\n".join([
        f"Demo brand {demo.brand_id}",
        f"  publishable key  {demo.publishable_key}",
        f"  secret key       {demo.secret_key}   (shown once; server-to-server and admin API)",
        f"Demo product 'Engraved Pen' {demo.product_id} (text zone 'name', 60 x 12 mm, on a "
        "photo of the pen)",
        f"Demo product 'Photo Frame' {demo.frame_id} (text zones 'title', 'date', 'dedication', "
        "on a photo of the frame taken at an angle)",
        f"Demo product 'Mug' {demo.mug_id} (printed zone 'name' on a 200 x 80 mm wrap; in 3D "
        "a cylinder 82 mm across)",
        f"Demo product 'Brass Tag' {demo.tag_id} (engraved zone 'name'; in 3D a 60 x 30 x "
        "2 mm brass plate)",
        "",
        "1. Validate a design:",
        f"   {validate}",
        "2. Create a snapshot (its id is in the answer):",
        f"   {snapshot}",
        "3. Get it (replace SNAPSHOT_ID); its preview.url is the mockup once rendered (the "
        "name engraved on the pen's photo):",
        f"   {get}",
        f"   curl -o preview.jpg {gateway_url}PREVIEW_URL",
        "4. Validate a design of the three-zone frame (snapshots work the same way):",
        f"   {frame}",
        "5. Preview while typing, nothing saved (the same text again is answered from the "
        "cache), then follow it as server-sent events until `ready` (replace RENDER_ID with "
        "its id):",
        f"   {preview}",
        f"   {events}",
        "6. Production files: approve the snapshot (secret key), export its pack (SVG, DXF, PDF, "
        "PNG, a proof and a manifest in a ZIP), follow its work order (its id is in the answer) "
        "until `ready`, then download the bundle by its download_url (good for 5 minutes):",
        f"   {approve}",
        f"   {export}",
        f"   {work_order}",
        f"   curl -o bundle.zip '{gateway_url}DOWNLOAD_URL'",
        "7. The mug and the tag in 3D: every snapshot of them gets a GLB (web viewers, Android "
        "Scene Viewer) and a USDZ (iPhone AR Quick Look); a design not saved asks for one "
        "(kind=glb or kind=usdz). Once `GET /v1/renders/RENDER_ID` (or its events) says ready, "
        "fetch the asset's url:",
        f"   {mug}",
        f"   {tag}",
        f"   {render}",
        f"   curl -o mug.glb {gateway_url}GLB_URL",
        f"   curl -o tag.usdz {gateway_url}USDZ_URL",
    ])
