"""The demo ``make run`` seeds through the gateway's public API: a brand and one engravable
product, then ready-to-paste curl commands that go from validation to a preview PNG."""

import json
import shlex
import uuid
from dataclasses import dataclass

import httpx

BRAND = {"name": "Demo Brand", "allowed_origins": ["http://localhost:8000"]}
PRODUCT = {
    "name": "Engraved Pen",
    "zones": [
        {
            "key": "name",
            "label": "Name",
            "width_mm": 60,
            "height_mm": 12,
            "max_length": 20,
            "font": "dejavu-sans",
            "colour": "#1F2937",
        }
    ],
}
ORIGIN = "http://localhost:8000"


class SeedFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Demo:
    brand_id: str
    publishable_key: str
    secret_key: str
    product_id: str


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
        product = _created(
            await client.post("/v1/admin/products", json=PRODUCT,
                              headers={"Authorization": f"Bearer {brand['secret_key']}"}),
            "creating the demo product",
        )
    return Demo(brand["id"], brand["publishable_key"], brand["secret_key"], product["id"])


def _curl(method: str, url: str, headers: dict[str, str], body: dict | None = None) -> str:
    parts = ["curl", "-s"] + (["-X", method] if method != "GET" else []) + [url]
    for name, value in headers.items():
        parts += ["-H", f"{name}: {value}"]
    if body is not None:
        parts += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
    return " ".join(shlex.quote(p) for p in parts)


def instructions(gateway_url: str, demo: Demo) -> str:
    widget = {"X-Atelier-Key": demo.publishable_key, "Origin": ORIGIN}
    design = {"product_id": demo.product_id, "values": {"name": "Ada Lovelace"}}
    validate = _curl("POST", f"{gateway_url}/v1/personalization/validate", widget, design)
    snapshot = _curl("POST", f"{gateway_url}/v1/snapshots",
                     {**widget, "Idempotency-Key": str(uuid.uuid4())}, design)
    get = _curl("GET", f"{gateway_url}/v1/snapshots/SNAPSHOT_ID", widget)
    return "\n".join([
        f"Demo brand {demo.brand_id}",
        f"  publishable key  {demo.publishable_key}",
        f"  secret key       {demo.secret_key}   (shown once; server-to-server and admin API)",
        f"Demo product 'Engraved Pen' {demo.product_id} (text zone 'name', 60 x 12 mm)",
        "",
        "1. Validate a design:",
        f"   {validate}",
        "2. Create a snapshot (its id is in the answer):",
        f"   {snapshot}",
        "3. Get it (replace SNAPSHOT_ID); its preview.url is the PNG once rendered:",
        f"   {get}",
        f"   curl -o preview.png {gateway_url}PREVIEW_URL",
    ])
