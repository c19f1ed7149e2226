"""3D models of products: a parametric shape set as JSON (``PUT .../model``), or a GLB checked
by its content before anything is stored (``PUT .../model/glb``), each published as the
product's next template version."""

import hashlib
import json
import struct
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from atelier.gateway import models3d
from atelier.kit.storage import LocalStore
from atelier.kit.testing.glbs import a_glb, with_external_buffer

from .conftest import Brand

ZONE = "name"  # the zone of the conftest's product


def test_a_good_glb_is_measured() -> None:
    checked = models3d.inspect_glb(a_glb(triangles=4, texture_px=64))
    assert checked.triangles == 4 and ZONE in checked.names
    assert checked.model.size_bytes == len(a_glb(triangles=4, texture_px=64))


REFUSED = {
    "not a GLB": (b"PK\3\4 a zip file, say", "invalid_model", "not a GLB"),
    "truncated": (a_glb()[:-10], "invalid_model", "truncated"),
    "glTF 1": (b"glTF" + struct.pack("<II", 1, 20) + b"\0" * 8, "invalid_model", "glTF 1"),
    "external buffer": (with_external_buffer(a_glb()), "invalid_model",
                        "buffer lies outside the file"),
    "external image": (a_glb(image_uri="texture.png"), "invalid_model", "outside the file"),
    "compressed": (a_glb(required=["KHR_draco_mesh_compression"]), "invalid_model",
                   "KHR_draco_mesh_compression"),
    "too many triangles": (a_glb(triangles=90_002), "model_too_large", "90002 triangles"),
    "texture too large": (a_glb(texture_px=4096), "model_too_large", "4096 × 4096 px"),
    "too large": (a_glb() + b"\0" * (9 * 2**20), "model_too_large", "at most 8388608"),
}


@pytest.mark.parametrize(("data", "code", "reason"), REFUSED.values(), ids=REFUSED.keys())
def test_a_bad_glb_is_refused_with_the_reason(data: bytes, code: str, reason: str) -> None:
    with pytest.raises(models3d.ModelRefused) as refused:
        models3d.inspect_glb(data)
    assert refused.value.error.code == code and refused.value.error.field == "file"
    assert reason in refused.value.error.message


def stored_models(store: LocalStore) -> list[Path]:
    root = Path(store.root) / "models"
    return sorted(root.iterdir()) if root.exists() else []


async def put_glb(client: AsyncTestClient, brand: Brand, product: str, data: bytes,
                  content_type: str = "model/gltf-binary"):  # type: ignore[no-untyped-def]
    return await client.put(f"/v1/admin/products/{product}/model/glb", content=data,
                            headers={**brand.admin, "Content-Type": content_type})


async def test_a_glb_is_stored_by_its_hash_and_published_as_the_model(
    client, brand, product, store
) -> None:
    data = a_glb(texture_px=16)
    response = await put_glb(client, brand, product, data)
    assert response.status_code == 200, response.text
    body = response.json()
    digest = hashlib.sha256(data).hexdigest()
    assert body["template_version"] == 2
    assert body["model"] == {"kind": "glb", "sha256": digest, "size_bytes": len(data)}
    assert await store.get(f"models/{digest}") == data
    again = await put_glb(client, brand, product, data)  # the same model: nothing published
    assert again.json()["template_version"] == 2
    config = await client.get(f"/v1/admin/products/{product}", headers=brand.admin)
    assert config.json()["model"]["sha256"] == digest


async def test_a_glb_that_names_no_zone_or_is_bad_is_refused_and_nothing_is_stored(
    client, brand, product, store
) -> None:
    response = await put_glb(client, brand, product, a_glb(material="steel"))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["code"] == "invalid_model" and "named after a zone (name)" in error["message"]
    bad = await put_glb(client, brand, product, a_glb(image_uri="texture.png"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "invalid_model"
    wrong_type = await put_glb(client, brand, product, a_glb(), "image/png")
    assert wrong_type.status_code == 415
    assert stored_models(store) == []


async def test_a_shape_is_published_as_the_model(client, brand, product) -> None:
    shape = {"kind": "plate", "width_mm": 70, "height_mm": 20, "thickness_mm": 2,
             "finish": {"colour": "#C0A060", "metallic": 1, "roughness": 0.35}}
    response = await client.put(f"/v1/admin/products/{product}/model",
                                content=json.dumps({"shape": shape}),
                                headers={**brand.admin, "Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["model"] == shape and response.json()["template_version"] == 2
    bad = await client.put(f"/v1/admin/products/{product}/model",
                           json={"shape": {"kind": "cylinder", "diameter_mm": -1}},
                           headers=brand.admin)
    assert bad.status_code == 400, bad.text
    assert {e["field"] for e in bad.json()["errors"]} >= {"shape.cylinder.diameter_mm"}, bad.text
