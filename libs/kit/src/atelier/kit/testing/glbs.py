"""GLB files as a brand would upload them, for tests: a strip of triangles with one material,
and the ways a file can be wrong (an external buffer or image, a required extension, too many
triangles, too large a texture)."""

import io
import json
import struct

import numpy as np
import pygltflib as gltf
from PIL import Image


def _png(side: int) -> bytes:
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


def a_glb(material: str = "name", triangles: int = 2, texture_px: int | None = None,
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
        data = _png(texture_px or 4)
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
