"""Independent readers of 3D outputs, for the render service's and the e2e tests: the Khronos
glTF validator (node, installed by ``make install`` in tools/node), usd-core's validation
framework, and pygltflib to read a GLB's meshes and textures back. Test-only: its libraries
(usd-core, pygltflib, numpy) come with the render service, which the workspace installs."""

import io
import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pygltflib as gltf
from numpy.typing import NDArray
from PIL import Image

# the repository's root: the first parent with the node tools
ROOT = next(p for p in Path(__file__).resolve().parents if (p / "tools" / "node").is_dir())
GLTF_VALIDATOR = ROOT / "tools" / "node" / "validate-gltf.mjs"
# usd-core's validators of stage metadata (up axis, metres per unit, default prim), geometry,
# materials and the USDZ package's layout (alignment, no compression, encapsulation)
USD_KEYWORDS = {"UsdCoreValidators", "UsdGeomValidators", "UsdShadeValidators",
                "UsdUtilsValidators", "UsdzValidators"}


def gltf_report(data: bytes) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".glb") as file:
        file.write(data)
        file.flush()
        done = subprocess.run(["node", str(GLTF_VALIDATOR), file.name], check=True,
                              capture_output=True, text=True, timeout=60)
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def assert_valid_glb(data: bytes) -> dict[str, Any]:
    report = gltf_report(data)
    errors = [m for m in report["issues"]["messages"] if m["severity"] == 0]
    assert report["issues"]["numErrors"] == 0, errors
    return report


def usd_errors(data: bytes) -> list[str]:
    """What usd-core's validation framework finds wrong with a USDZ (errors only)."""
    from pxr import Usd, UsdValidation  # noqa: PLC0415 (a heavy import, for 3D tests only)

    registry = UsdValidation.ValidationRegistry()
    names = [meta.name for meta in registry.GetAllValidatorMetadata()
             if USD_KEYWORDS & set(meta.GetKeywords())]
    validators = registry.GetOrLoadValidatorsByName(names)
    assert len(validators) >= 15  # the framework as installed, not an empty run
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.usdz"
        path.write_bytes(data)
        stage = Usd.Stage.Open(str(path))
        found = UsdValidation.ValidationContext(validators).Validate(stage)
        return [f"{e.GetName()}: {e.GetMessage()}" for e in found
                if e.GetType() == UsdValidation.ValidationErrorType.Error]


@dataclass
class Primitive:
    material: str
    positions: NDArray[np.float32]
    uvs: NDArray[np.float32] | None
    triangles: NDArray[np.uint32]


def _accessor(doc: gltf.GLTF2, blob: bytes, index: int) -> NDArray[Any]:
    accessor = doc.accessors[index]
    view = doc.bufferViews[accessor.bufferView]
    dtype = {gltf.FLOAT: np.float32, gltf.UNSIGNED_INT: np.uint32,
             gltf.UNSIGNED_SHORT: np.uint16}[accessor.componentType]
    width = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}[accessor.type]
    start = (view.byteOffset or 0) + (accessor.byteOffset or 0)
    array = np.frombuffer(blob, dtype, accessor.count * width, start)
    return array.reshape(accessor.count, width) if width > 1 else array


def primitives(data: bytes) -> list[Primitive]:
    doc = gltf.GLTF2.load_from_bytes(data)
    blob = doc.binary_blob()
    found = []
    for mesh in doc.meshes:
        for p in mesh.primitives:
            uvs = p.attributes.TEXCOORD_0
            found.append(Primitive(
                doc.materials[p.material].name, _accessor(doc, blob, p.attributes.POSITION),
                None if uvs is None else _accessor(doc, blob, uvs),
                _accessor(doc, blob, p.indices).reshape(-1, 3)))
    return found


def base_colour_texture(data: bytes, material: str) -> Image.Image:
    doc = gltf.GLTF2.load_from_bytes(data)
    found = next(m for m in doc.materials if m.name == material)
    texture = doc.textures[found.pbrMetallicRoughness.baseColorTexture.index]
    view = doc.bufferViews[doc.images[texture.source].bufferView]
    start = view.byteOffset or 0
    return Image.open(io.BytesIO(doc.binary_blob()[start:start + view.byteLength]))


def point_at_uv(primitive: Primitive, u: float, v: float) -> NDArray[np.float64]:
    """The point of the surface that shows texture coordinate (u, v): found in the triangle
    whose UVs hold it, by barycentric interpolation."""
    assert primitive.uvs is not None
    for a, b, c in primitive.triangles:
        ta, tb, tc = (primitive.uvs[i].astype(np.float64) for i in (a, b, c))
        m = np.array([tb - ta, tc - ta]).T
        if abs(np.linalg.det(m)) < 1e-12:
            continue
        wb, wc = np.linalg.solve(m, np.array([u, v]) - ta)
        if wb >= -1e-9 and wc >= -1e-9 and wb + wc <= 1 + 1e-9:
            pa, pb, pc = (primitive.positions[i].astype(np.float64) for i in (a, b, c))
            return np.asarray(pa + wb * (pb - pa) + wc * (pc - pa), np.float64)
    raise AssertionError(f"no triangle shows uv ({u}, {v})")
