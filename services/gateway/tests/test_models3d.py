"""3D models of products: a parametric shape set as JSON (``PUT .../model``), or a GLB checked
by its content before anything is stored (``PUT .../model/glb``), each published as the
product's next template version."""

import hashlib
import io
import json
import struct
from pathlib import Path

import numpy as np
import pygltflib as gltf
import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from atelier.gateway import models3d
from atelier.kit.storage import LocalStore

from .conftest import Brand

ZONE = "name"  # the zone of the conftest's product


def png(side: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), "#c8b090").save(out, format="PNG")
    return out.getvalue()


def with_external_buffer(data: bytes) -> bytes:
    """The GLB with its buffer pointing at a URL (written by hand: pygltflib drops the URI of a
    buffer it saves into a GLB)."""
    json_length = struct.unpack_from("<I", data, 12)[0]
    document = json.loads(data[20:20 + json_length])
    document["buffers"][0]["uri"] = "https://example.com/mesh.bin"
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    body = struct.pack("<I", len(text)) + b"JSON" + text
    return b"glTF" + struct.pack("<II", 2, 12 + len(body)) + body


def glb(material: str = ZONE, triangles: int = 2, texture_px: int | None = None,
        image_uri: str | None = None, required: list[str] | None = None) -> bytes:
    """A grid of ``triangles`` triangles (a strip of quads) with one material."""
    quads = max(1, triangles // 2)
    xs = np.linspace(0, 0.1, quads + 1, dtype=np.float32)
    positions = np.array([(x, y, 0) for y in (0, 0.05) for x in xs], np.float32)
    uvs = np.array([(x / 0.1, 1 - y / 0.05) for y in (0, 0.05) for x in xs], np.float32)
    n = quads + 1
    faces = np.array([tri for i in range(quads) for tri in
                      ((i, i + 1, n + i + 1), (i, n + i + 1, n + i))], np.uint32)
    blob = positions.tobytes() + uvs.tobytes() + faces.tobytes()
    views = [gltf.BufferView(buffer=0, byteOffset=0, byteLength=positions.nbytes),
             gltf.BufferView(buffer=0, byteOffset=positions.nbytes, byteLength=uvs.nbytes),
             gltf.BufferView(buffer=0, byteOffset=positions.nbytes + uvs.nbytes,
                             byteLength=faces.nbytes)]
    images, textures, colour = [], [], None
    if texture_px or image_uri:
        data = png(texture_px or 4)
        views.append(gltf.BufferView(buffer=0, byteOffset=len(blob), byteLength=len(data)))
        blob += data + b"\0" * (-len(data) % 4)
        images = [gltf.Image(uri=image_uri) if image_uri else
                  gltf.Image(bufferView=3, mimeType="image/png")]
        textures = [gltf.Texture(source=0)]
        colour = gltf.TextureInfo(index=0)
    doc = gltf.GLTF2(
        asset=gltf.Asset(version="2.0"), scene=0, scenes=[gltf.Scene(nodes=[0])],
        nodes=[gltf.Node(mesh=0)], meshes=[gltf.Mesh(name="body", primitives=[gltf.Primitive(
            attributes=gltf.Attributes(POSITION=0, TEXCOORD_0=1), indices=2, material=0)])],
        materials=[gltf.Material(name=material, pbrMetallicRoughness=gltf.PbrMetallicRoughness(
            baseColorTexture=colour))],
        accessors=[
            gltf.Accessor(bufferView=0, componentType=gltf.FLOAT, count=len(positions),
                          type="VEC3", min=[0, 0, 0], max=[0.1, 0.05, 0]),
            gltf.Accessor(bufferView=1, componentType=gltf.FLOAT, count=len(uvs), type="VEC2"),
            gltf.Accessor(bufferView=2, componentType=gltf.UNSIGNED_INT, count=faces.size,
                          type="SCALAR")],
        bufferViews=views, buffers=[gltf.Buffer(byteLength=len(blob))],
        images=images, textures=textures, extensionsRequired=required or [])
    doc.set_binary_blob(blob)
    return b"".join(doc.save_to_bytes())


def test_a_good_glb_is_measured() -> None:
    checked = models3d.inspect_glb(glb(triangles=4, texture_px=64))
    assert checked.triangles == 4 and ZONE in checked.names
    assert checked.model.size_bytes == len(glb(triangles=4, texture_px=64))


REFUSED = {
    "not a GLB": (b"PK\3\4 a zip file, say", "invalid_model", "not a GLB"),
    "truncated": (glb()[:-10], "invalid_model", "truncated"),
    "glTF 1": (b"glTF" + struct.pack("<II", 1, 20) + b"\0" * 8, "invalid_model", "glTF 1"),
    "external buffer": (with_external_buffer(glb()), "invalid_model",
                        "buffer lies outside the file"),
    "external image": (glb(image_uri="texture.png"), "invalid_model", "outside the file"),
    "compressed": (glb(required=["KHR_draco_mesh_compression"]), "invalid_model",
                   "KHR_draco_mesh_compression"),
    "too many triangles": (glb(triangles=90_002), "model_too_large", "90002 triangles"),
    "texture too large": (glb(texture_px=4096), "model_too_large", "4096 × 4096 px"),
    "too large": (glb() + b"\0" * (9 * 2**20), "model_too_large", "at most 8388608"),
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
    data = glb(texture_px=16)
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
    response = await put_glb(client, brand, product, glb(material="steel"))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["code"] == "invalid_model" and "named after a zone (name)" in error["message"]
    bad = await put_glb(client, brand, product, glb(image_uri="texture.png"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "invalid_model"
    wrong_type = await put_glb(client, brand, product, glb(), "image/png")
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
