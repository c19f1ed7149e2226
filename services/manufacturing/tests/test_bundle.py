"""A bundle: its files listed in its manifest with their sizes and hashes, named by the
profile's template, and the same bytes from the same design in another process."""

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from atelier.contracts.spec import DesignSpec, SpecView
from atelier.manufacturing.exports.bundle import Meta, bundle_name, make_bundle
from atelier.typeset.product import product_scene

from .conftest import EVERY_FORMAT, a_design, a_zone

META = Meta(spec_hash="ab" * 32, snapshot_id="snap-1", order_id="1001", item_id="item-7",
            sku="MUG-11oz")


def test_the_manifest_lists_every_file_with_its_size_and_hash_and_the_fonts_licences() -> None:
    made = make_bundle(product_scene(a_design()), EVERY_FORMAT, META)
    archive = zipfile.ZipFile(io.BytesIO(made.data))
    manifest = json.loads(archive.read("manifest.json"))
    names = sorted(archive.namelist())
    assert names == sorted([f["name"] for f in manifest["files"]] + ["manifest.json"])
    assert {"snap-1-front.svg", "snap-1-front.dxf", "snap-1-front.pdf", "snap-1-front.png",
            "proof.pdf", "licences/dejavu-sans.txt"} == set(names) - {"manifest.json"}
    for entry in manifest["files"]:
        data = archive.read(entry["name"])
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"])
    assert (manifest["spec_hash"], manifest["snapshot_id"], manifest["order_id"],
            manifest["item_id"]) == (META.spec_hash, "snap-1", "1001", "item-7")
    [font] = manifest["fonts"]
    assert font["id"] == "dejavu-sans" and font["licence"] == "licences/dejavu-sans.txt"
    assert b"Bitstream" in archive.read("licences/dejavu-sans.txt")
    assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())


def test_the_zip_is_named_by_the_profiles_template() -> None:
    profile = EVERY_FORMAT.model_copy(update={"file_name": "order-{order}_{item}_{sku}"})
    assert bundle_name(profile, META) == "order-1001_item-7_MUG-11oz.zip"
    # missing fields are left empty, unsafe characters replaced
    odd = Meta(spec_hash="ab" * 32, snapshot_id="snap-1", sku="a/b c")
    assert bundle_name(profile, odd) == "order-__a-b-c.zip"


MAKE = """
import hashlib, sys
sys.path.insert(0, {tests!r})
from conftest import EVERY_FORMAT, a_design
from atelier.manufacturing.exports.bundle import Meta, make_bundle
from atelier.typeset.product import product_scene
profile = EVERY_FORMAT.model_copy(update={{"crop_marks": True}})
made = make_bundle(product_scene(a_design()), profile,
                   Meta(spec_hash="ab" * 32, snapshot_id="snap-1", order_id="1001"))
sys.stdout.write(hashlib.sha256(made.data).hexdigest())
"""


def test_a_bundle_made_twice_in_two_processes_is_byte_identical() -> None:
    script = MAKE.format(tests=os.path.dirname(__file__))
    digests = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1 and len(digests.pop()) == 64


def test_the_proof_is_one_page_with_every_views_mockup_and_measurements(tmp_path: Path) -> None:
    views = [SpecView(key=f"side{i}", width_mm=80, height_mm=50) for i in range(10)]
    zones = [a_zone(f"z{i}_{j}", "Ada").model_copy(update={"view": f"side{i}"})
             for i in range(10) for j in range(3)]
    crowded = DesignSpec(product_id="p-1", template_version=1, views=views, zones=zones)
    for spec in (a_design(), crowded):
        made = make_bundle(product_scene(spec), EVERY_FORMAT, META)
        path = tmp_path / "proof.pdf"
        path.write_bytes(zipfile.ZipFile(io.BytesIO(made.data)).read("proof.pdf"))
        subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                              check=True).stdout
        assert "Pages:           1" in info
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                              text=True, check=True).stdout
        for view in product_scene(spec).views:  # on the page, every view and zone
            assert f"view {view.key}: 80 x 50 mm" in text
            for zone in view.zones:
                assert f"{zone.key} (" in text and "box 60 x 14 mm" in text
        images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True,
                                text=True, check=True).stdout
        assert len(images.splitlines()) - 2 == len(spec.views)
