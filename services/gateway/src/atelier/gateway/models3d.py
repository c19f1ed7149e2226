"""Uploaded 3D models (GLB) checked by their content before anything is stored. Pure: no I/O.

A model is accepted when it is a glTF 2.0 binary that holds everything it needs (no external
URI: no buffer or image is fetched, ever; no required extension, such as mesh compression,
that render would have to decode), within AR viewers' budgets: ``MAX_MODEL_BYTES``,
``MAX_MODEL_TRIANGLES``, textures of at most ``MAX_TEXTURE_PX`` on a side (read from their
headers). Its byte ranges are checked against its buffer, and at least one material or mesh
must be named after a zone of the product: that is where the zone's design is drawn.
"""

import hashlib
import io
import struct
from collections.abc import Collection
from dataclasses import dataclass

import pygltflib as gltf
from PIL import Image, UnidentifiedImageError

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.model3d import (
    MAX_MODEL_BYTES,
    MAX_MODEL_TRIANGLES,
    MAX_TEXTURE_PX,
    UploadedModel,
)

CONTENT_TYPE = "model/gltf-binary"
MODEL_UPLOAD_TYPES = frozenset({"model/gltf-binary", "application/octet-stream"})
_MAGIC, _JSON, _BIN = b"glTF", 0x4E4F534A, 0x004E4942
_TRIANGLES, _STRIP, _FAN = 4, 5, 6


@dataclass(frozen=True)
class Glb:
    model: UploadedModel
    triangles: int
    names: frozenset[str]  # of its materials and meshes


class ModelRefused(Exception):
    def __init__(self, error: ErrorItem) -> None:
        super().__init__(error.message)
        self.error = error


def inspect_glb(data: bytes) -> Glb:
    """The GLB's hash, size, triangle count and the names it gives; ``ModelRefused`` says why
    it cannot be used."""
    if len(data) > MAX_MODEL_BYTES:
        raise _too_large(f"The file is {len(data)} bytes: at most {MAX_MODEL_BYTES} "
                         f"({MAX_MODEL_BYTES // 2**20} MiB).")
    document, blob = _chunks(data)
    if document.asset is None or document.asset.version != "2.0":
        raise _invalid("This is not glTF 2.0 (asset.version must be \"2.0\").")
    if document.extensionsRequired:
        raise _invalid(f"The model requires extensions ({', '.join(document.extensionsRequired)})"
                       ": save it without compression or other required extensions.")
    for index, buffer in enumerate(document.buffers):
        if buffer.uri is not None or index > 0:
            raise _invalid("A buffer lies outside the file: a GLB must hold all its data.")
        if buffer.byteLength > len(blob):
            raise _invalid("The binary chunk is shorter than its buffer says.")
    for view in document.bufferViews:
        if view.buffer != 0 or (view.byteOffset or 0) + view.byteLength > len(blob):
            raise _invalid("A buffer view reaches past the binary chunk.")
    for index, image in enumerate(document.images):
        if image.uri is not None or image.bufferView is None:
            raise _invalid(f"Image {index} lies outside the file (a URI): embed it in the GLB.")
        _check_texture(index, _view_bytes(document, blob, image.bufferView))
    triangles = _triangles(document)
    if triangles == 0:
        raise _invalid("The model has no triangles.")
    if triangles > MAX_MODEL_TRIANGLES:
        raise _too_large(f"The model has {triangles} triangles: at most {MAX_MODEL_TRIANGLES}. "
                         "Simplify it.")
    names = frozenset(m.name for m in [*document.materials, *document.meshes] if m.name)
    model = UploadedModel(kind="glb", sha256=hashlib.sha256(data).hexdigest(),
                          size_bytes=len(data))
    return Glb(model, triangles, names)


def zones_named(glb: Glb, zone_keys: Collection[str]) -> None:
    """Refused unless a material or mesh is named after one of the product's zones."""
    if not glb.names & set(zone_keys):
        raise _invalid(f"No material or mesh is named after a zone ({', '.join(zone_keys)}): "
                       "name the material (or mesh) each zone's design goes on by its key.")


def is_model_upload(content_type: str | None) -> bool:
    media_type = (content_type or "").partition(";")[0].strip().lower()
    return media_type in MODEL_UPLOAD_TYPES


def _chunks(data: bytes) -> tuple[gltf.GLTF2, bytes]:
    if len(data) < 20 or data[:4] != _MAGIC:
        raise _invalid("This is not a GLB (glTF binary) file.")
    version, length = struct.unpack_from("<II", data, 4)
    if version != 2:
        raise _invalid(f"This is a glTF {version} binary: only glTF 2.0 is supported.")
    if length != len(data):
        raise _invalid("The file is truncated, or longer than its header says.")
    offset, chunks = 12, dict[int, bytes]()
    while offset + 8 <= len(data):
        size, kind = struct.unpack_from("<II", data, offset)
        if offset + 8 + size > len(data):
            raise _invalid("A chunk reaches past the end of the file.")
        chunks.setdefault(kind, data[offset + 8:offset + 8 + size])
        offset += 8 + size + (-size % 4)
    if _JSON not in chunks:
        raise _invalid("The GLB has no JSON chunk.")
    try:
        document = gltf.GLTF2.from_json(chunks[_JSON].decode("utf-8"))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise _invalid(f"The glTF JSON cannot be read ({type(exc).__name__}).") from None
    return document, chunks.get(_BIN, b"")


def _view_bytes(document: gltf.GLTF2, blob: bytes, index: int) -> bytes:
    if not 0 <= index < len(document.bufferViews):
        raise _invalid(f"Buffer view {index} does not exist.")
    view = document.bufferViews[index]
    start = view.byteOffset or 0
    return blob[start:start + view.byteLength]


def _check_texture(index: int, data: bytes) -> None:
    try:
        with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise _invalid(f"Image {index} is not a PNG or JPEG ({exc}).") from None
    if max(width, height) > MAX_TEXTURE_PX:
        raise _too_large(f"Image {index} is {width} × {height} px: textures may have at most "
                         f"{MAX_TEXTURE_PX} px on a side.")


def _triangles(document: gltf.GLTF2) -> int:
    """Triangles drawn once per mesh use (a mesh instanced by two nodes counts twice)."""
    uses = [node.mesh for node in document.nodes if node.mesh is not None]
    total = 0
    for mesh_index in uses:
        if not 0 <= mesh_index < len(document.meshes):
            raise _invalid(f"A node uses mesh {mesh_index}, which does not exist.")
        for primitive in document.meshes[mesh_index].primitives:
            accessor = primitive.indices if primitive.indices is not None \
                else primitive.attributes.POSITION
            if accessor is None or not 0 <= accessor < len(document.accessors):
                raise _invalid("A primitive has no positions.")
            count = document.accessors[accessor].count
            mode = _TRIANGLES if primitive.mode is None else primitive.mode
            if mode == _TRIANGLES:
                total += count // 3
            elif mode in (_STRIP, _FAN):
                total += max(0, count - 2)
            else:
                raise _invalid("Only triangle meshes are supported (no points or lines).")
    return total


def _invalid(message: str) -> ModelRefused:
    return ModelRefused(ErrorItem(field="file", code=ErrorCode.INVALID_MODEL, message=message))


def _too_large(message: str) -> ModelRefused:
    return ModelRefused(ErrorItem(field="file", code=ErrorCode.MODEL_TOO_LARGE, message=message))
