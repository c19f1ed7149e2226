"""A 3D model as a GLB (glTF 2.0 binary): one node, one mesh, a primitive per part, each with a
PBR metallic-roughness material; textures embedded as PNG. Metres, Y up (glTF's own units and
axes). Pure and deterministic: the same model gives the same bytes."""

import numpy as np
import pygltflib as gltf
from numpy.typing import NDArray

from atelier.render.model3d import Material, Model3D

CONTENT_TYPE = "model/gltf-binary"
GENERATOR = "Atelier"


def linear(channel: int) -> float:
    """An sRGB channel (0–255) as the linear value glTF's colour factors are in."""
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


class _Writer:
    def __init__(self) -> None:
        self.doc = gltf.GLTF2(asset=gltf.Asset(version="2.0", generator=GENERATOR),
                              samplers=[gltf.Sampler(magFilter=gltf.LINEAR,
                                                     minFilter=gltf.LINEAR_MIPMAP_LINEAR,
                                                     wrapS=gltf.CLAMP_TO_EDGE,
                                                     wrapT=gltf.CLAMP_TO_EDGE)])
        self.blob = bytearray()

    def view(self, data: bytes, target: int | None = None) -> int:
        self.blob += b"\0" * (-len(self.blob) % 4)  # every view 4-byte aligned
        self.doc.bufferViews.append(gltf.BufferView(buffer=0, byteOffset=len(self.blob),
                                                    byteLength=len(data), target=target))
        self.blob += data
        return len(self.doc.bufferViews) - 1

    def accessor(self, array: NDArray[np.float32] | NDArray[np.uint32], kind: str,
                 target: int, bounds: bool = False) -> int:
        component = gltf.UNSIGNED_INT if array.dtype == np.uint32 else gltf.FLOAT
        view = self.view(np.ascontiguousarray(array).tobytes(), target)
        self.doc.accessors.append(gltf.Accessor(
            bufferView=view, componentType=component, count=len(array) if kind != "SCALAR"
            else array.size, type=kind,
            min=[float(v) for v in array.min(axis=0)] if bounds else None,
            max=[float(v) for v in array.max(axis=0)] if bounds else None))
        return len(self.doc.accessors) - 1

    def texture(self, png: bytes) -> gltf.TextureInfo:
        self.doc.images.append(gltf.Image(bufferView=self.view(png), mimeType="image/png"))
        self.doc.textures.append(gltf.Texture(sampler=0, source=len(self.doc.images) - 1))
        return gltf.TextureInfo(index=len(self.doc.textures) - 1)

    def material(self, material: Material) -> int:
        rgb = [linear(int(material.colour[i:i + 2], 16)) for i in (1, 3, 5)]
        pbr = gltf.PbrMetallicRoughness(
            baseColorFactor=[*rgb, 1.0], metallicFactor=material.metallic,
            roughnessFactor=material.roughness,
            baseColorTexture=self.texture(material.texture) if material.texture else None,
            metallicRoughnessTexture=self.texture(material.metallic_roughness)
            if material.metallic_roughness else None)
        self.doc.materials.append(gltf.Material(name=material.name, pbrMetallicRoughness=pbr,
                                                doubleSided=False))
        return len(self.doc.materials) - 1


def serialize(model: Model3D) -> bytes:
    writer = _Writer()
    primitives = []
    for part in model.parts:
        attributes = gltf.Attributes(
            POSITION=writer.accessor(part.positions, "VEC3", gltf.ARRAY_BUFFER, bounds=True),
            NORMAL=writer.accessor(part.normals, "VEC3", gltf.ARRAY_BUFFER))
        if part.uvs is not None:
            attributes.TEXCOORD_0 = writer.accessor(part.uvs, "VEC2", gltf.ARRAY_BUFFER)
        indices = writer.accessor(part.triangles.reshape(-1), "SCALAR",
                                  gltf.ELEMENT_ARRAY_BUFFER)
        primitives.append(gltf.Primitive(attributes=attributes, indices=indices,
                                         material=writer.material(part.material),
                                         mode=gltf.TRIANGLES))
    writer.doc.meshes.append(gltf.Mesh(name=model.name, primitives=primitives))
    writer.doc.nodes.append(gltf.Node(name=model.name, mesh=0))
    writer.doc.scenes.append(gltf.Scene(nodes=[0]))
    writer.doc.scene = 0
    writer.blob += b"\0" * (-len(writer.blob) % 4)
    writer.doc.buffers.append(gltf.Buffer(byteLength=len(writer.blob)))
    writer.doc.set_binary_blob(bytes(writer.blob))
    return b"".join(writer.doc.save_to_bytes())
