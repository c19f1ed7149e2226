"""A bundle: every view in every format the profile names, a one-page proof and a manifest
(spec hash, snapshot, order and item, each file's size and SHA-256, the fonts used and their
licences, whose texts go along), in a ZIP with fixed timestamps, permissions and order, so that
the same spec and profile always give the same bytes."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass

from atelier.contracts.manufacturing import BundleFile, OutputProfile
from atelier.manufacturing.exports import EXPORTERS, proof
from atelier.typeset.fonts import SHIPPED
from atelier.typeset.product import ProductScene

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a ZIP can say
MANIFEST = "manifest.json"
PROOF = "proof.pdf"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
COMPRESSED = (".png", ".pdf")  # stored as they are: deflating them again gains nothing


@dataclass(frozen=True)
class Meta:
    spec_hash: str
    snapshot_id: str
    order_id: str | None = None
    item_id: str | None = None
    sku: str | None = None


@dataclass(frozen=True)
class Bundle:
    name: str  # the ZIP's file name
    data: bytes
    files: list[BundleFile]  # what is in it, the manifest aside


def bundle_name(profile: OutputProfile, meta: Meta) -> str:
    """The profile's template filled in; a field without a value is left empty."""
    values = {"order": meta.order_id, "item": meta.item_id, "sku": meta.sku,
              "snapshot": meta.snapshot_id}
    name = profile.file_name.format_map({k: _UNSAFE.sub("-", v or "") for k, v in values.items()})
    return (name.strip("-_.") or meta.snapshot_id) + ".zip"


def make_bundle(scene: ProductScene, profile: OutputProfile, meta: Meta) -> Bundle:
    name = bundle_name(profile, meta)
    base = name.removesuffix(".zip")
    contents: dict[str, bytes] = {}
    for view in scene.views:
        for fmt in profile.formats:
            contents[f"{base}-{view.key}.{fmt}"] = EXPORTERS[fmt](view, profile)
    contents[PROOF] = proof.serialize(scene, profile, base)
    fonts = []
    for font in sorted({(z.font.id, z.font.sha256) for z in scene.spec.zones}):
        shipped = SHIPPED.get(font[0])
        entry = {"id": font[0], "sha256": font[1]}
        if shipped is not None:
            licence = f"licences/{font[0]}.txt"
            contents[licence] = shipped.licence.read_bytes()
            entry |= {"family": shipped.family, "licence": licence}
        else:
            entry |= {"licence": "the brand's own font, used under the brand's licence"}
        fonts.append(entry)
    files = [BundleFile(name=n, size=len(d), sha256=hashlib.sha256(d).hexdigest())
             for n, d in sorted(contents.items())]
    manifest = {
        "spec_hash": meta.spec_hash, "snapshot_id": meta.snapshot_id,
        "order_id": meta.order_id, "item_id": meta.item_id, "sku": meta.sku,
        "profile": profile.model_dump(mode="json"),
        "views": [{"key": v.key, "width_mm": v.width_mm, "height_mm": v.height_mm}
                  for v in scene.views],
        "files": [f.model_dump() for f in files], "fonts": fonts,
    }
    contents[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"
    return Bundle(name, _zip(contents), files)


def _zip(contents: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in sorted(contents):
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            entry.compress_type = (zipfile.ZIP_STORED if name.endswith(COMPRESSED)
                                   else zipfile.ZIP_DEFLATED)
            entry.create_system = 3  # unix, whatever the machine
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, contents[name], compresslevel=6)
    return out.getvalue()
