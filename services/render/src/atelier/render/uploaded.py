"""A GLB the brand uploaded, as the 3D model the serializers take: its scene's meshes flattened
into parts in metres (node transforms applied), each primitive a part with its material. A
primitive whose material (or, failing that, mesh) is named after a zone shows the zone: the
zone's print box is drawn over the material's base colour and mapped onto the primitive's UV
region (the rectangle its texture coordinates span), so the brand lays out where each zone goes
by unwrapping that part of the model. Other materials keep their base colour, metallic and
roughness factors (their own textures are left out). Pure: a function of the scene and the
GLB's bytes (checked by the gateway when it was uploaded; anything unreadable here is
``Undrawable``).
"""

from __future__ import annotations

import struct

import numpy as np
import pygltflib as gltf
from numpy.typing import NDArray

from atelier.contracts.model3d import Finish
from atelier.contracts.spec import Layer
from atelier.render.domain import Undrawable
from atelier.render.model3d import Material, Model3D, Part, textured_material
from atelier.typeset.product import PlacedZone, ProductScene
from atelier.typeset.scene import Scene

_COMPONENTS = {gltf.FLOAT: np.float32, gltf.UNSIGNED_INT: np.uint32,
               gltf.UNSIGNED_SHORT: np.uint16, gltf.UNSIGNED_BYTE: np.uint8}
_NORMALIZED_MAX = {gltf.UNSIGNED_SHORT: 65535.0, gltf.UNSIGNED_BYTE: 255.0}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}


def _accessor(doc: gltf.GLTF2, blob: bytes, index: int) -> NDArray[np.float64]:
    accessor = doc.accessors[index]
    if accessor.bufferView is None or accessor.sparse is not None:
        raise Undrawable(f"accessor {index} has no plain data (sparse or empty)")
    view = doc.bufferViews[accessor.bufferView]
    component = _COMPONENTS[accessor.componentType]
    dtype = np.dtype(component)
    width = _WIDTH[accessor.type]
    stride = view.byteStride or dtype.itemsize * width
    start = (view.byteOffset or 0) + (accessor.byteOffset or 0)
    rows = np.ndarray((accessor.count, width), dtype, blob, start, (stride, dtype.itemsize))
    values = rows.astype(np.float64)
    if accessor.normalized and accessor.componentType in _NORMALIZED_MAX:
        values /= _NORMALIZED_MAX[accessor.componentType]
    return values


def _local(node: gltf.Node) -> NDArray[np.float64]:
    if node.matrix:
        return np.array(node.matrix, np.float64).reshape(4, 4).T  # glTF's is column-major
    x, y, z, w = node.rotation or (0.0, 0.0, 0.0, 1.0)
    rotation = np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])
    matrix = np.eye(4)
    matrix[:3, :3] = rotation * np.array(node.scale or (1.0, 1.0, 1.0))
    matrix[:3, 3] = node.translation or (0.0, 0.0, 0.0)
    return matrix


def _srgb_hex(linear: list[float]) -> str:
    def channel(value: float) -> int:
        c = min(1.0, max(0.0, value))
        s = c * 12.92 if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055
        return round(s * 255)
    return "#" + "".join(f"{channel(v):02X}" for v in linear[:3])


def _finish(material: gltf.Material | None) -> Finish:
    pbr = material.pbrMetallicRoughness if material is not None else None
    if pbr is None:
        return Finish()
    return Finish(colour=_srgb_hex(pbr.baseColorFactor or [1.0, 1.0, 1.0]),
                  metallic=1.0 if pbr.metallicFactor is None else pbr.metallicFactor,
                  roughness=1.0 if pbr.roughnessFactor is None else pbr.roughnessFactor)


def _zone_material(zone: PlacedZone, finish: Finish) -> Material:
    engraved = zone.scene if zone.layer == Layer.ENGRAVE else Scene(
        zone.scene.width_mm, zone.scene.height_mm, ())
    return textured_material(f"zone_{zone.key}", zone.scene, engraved, finish)


def uploaded_model(scene: ProductScene, data: bytes) -> Model3D:
    try:
        doc = gltf.GLTF2.load_from_bytes(data)
        blob = doc.binary_blob() or b""
        return _flattened(scene, doc, blob)
    except Undrawable:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, struct.error) as exc:
        raise Undrawable(f"the uploaded GLB cannot be read: {type(exc).__name__}: {exc}") \
            from None


def _flattened(scene: ProductScene, doc: gltf.GLTF2, blob: bytes) -> Model3D:
    zones = {zone.key: zone for view in scene.views for zone in view.zones}
    materials: dict[tuple[int | None, str | None], Material] = {}
    parts: list[Part] = []

    def visit(index: int, parent: NDArray[np.float64]) -> None:
        node = doc.nodes[index]
        world = parent @ _local(node)
        if node.mesh is not None:
            mesh = doc.meshes[node.mesh]
            for primitive in mesh.primitives:
                parts.append(primitive_part(mesh, primitive, world, len(parts)))
        for child in node.children or ():
            visit(child, world)

    def primitive_part(mesh: gltf.Mesh, primitive: gltf.Primitive, world: NDArray[np.float64],
                       number: int) -> Part:
        if (primitive.mode or gltf.TRIANGLES) != gltf.TRIANGLES:
            raise Undrawable("the uploaded GLB has a primitive that is not a triangle list")
        positions = _accessor(doc, blob, primitive.attributes.POSITION)
        triangles = (_accessor(doc, blob, primitive.indices).astype(np.uint32).reshape(-1, 3)
                     if primitive.indices is not None
                     else np.arange(len(positions), dtype=np.uint32).reshape(-1, 3))
        moved = positions @ world[:3, :3].T + world[:3, 3]
        if np.linalg.det(world[:3, :3]) < 0:  # a mirroring transform turns the faces inside out
            triangles = triangles[:, ::-1].copy()
        normals = _normals(doc, blob, primitive, world, moved, triangles)
        gltf_material = doc.materials[primitive.material] if primitive.material is not None \
            else None
        zone = zones.get(getattr(gltf_material, "name", None) or "") or zones.get(mesh.name or "")
        uvs = None
        if zone is not None:
            if primitive.attributes.TEXCOORD_0 is None:
                raise Undrawable(f"the part named after zone {zone.key!r} has no texture "
                                 "coordinates to draw it on")
            raw = _accessor(doc, blob, primitive.attributes.TEXCOORD_0)
            low, high = raw.min(axis=0), raw.max(axis=0)
            uvs = ((raw - low) / np.where(high > low, high - low, 1)).astype(np.float32)
        key = (primitive.material, zone.key if zone else None)
        if key not in materials:
            finish = _finish(gltf_material)
            materials[key] = _zone_material(zone, finish) if zone else Material(
                f"material_{len(materials)}", finish.colour, finish.metallic, finish.roughness)
        return Part(f"part_{number}", moved.astype(np.float32), normals, uvs, triangles,
                    materials[key])

    roots = doc.scenes[doc.scene or 0].nodes if doc.scenes else range(len(doc.nodes))
    for root in roots:
        visit(root, np.eye(4))
    if not parts:
        raise Undrawable("the uploaded GLB has no mesh in its scene")
    if not any(part.uvs is not None for part in parts):
        raise Undrawable("no part of the uploaded GLB is named after a zone of the design")
    return Model3D(str(scene.spec.product_id), tuple(parts))


def _normals(doc: gltf.GLTF2, blob: bytes, primitive: gltf.Primitive,
             world: NDArray[np.float64], moved: NDArray[np.float64],
             triangles: NDArray[np.uint32]) -> NDArray[np.float32]:
    """The primitive's normals turned with it (by the inverse transpose), or, when it has none,
    each vertex's from the faces around it."""
    if primitive.attributes.NORMAL is not None:
        normals = _accessor(doc, blob, primitive.attributes.NORMAL) @ np.linalg.inv(
            world[:3, :3])
    else:
        a, b, c = (moved[triangles[:, i]] for i in range(3))
        faces = np.cross(b - a, c - a)
        normals = np.zeros_like(moved)
        for i in range(3):
            np.add.at(normals, triangles[:, i], faces)
    lengths = np.linalg.norm(normals, axis=1, keepdims=True)
    return (normals / np.where(lengths > 0, lengths, 1)).astype(np.float32)
