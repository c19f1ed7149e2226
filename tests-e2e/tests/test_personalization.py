"""Issue 3 end to end: templates, brand fonts, the rules engine, specs and the snapshot lifecycle,
driven over HTTP through the gateway with every service its own process."""

import copy
import hashlib

import httpx
import pytest

from atelier.devstack.demo import PRODUCT
from atelier.e2e.client import ready_preview
from atelier.e2e.system import System
from atelier.kit.testing.plugin import eventually
from atelier.typeset.fonts import shipped_font

pytestmark = pytest.mark.e2e


def admin(system: System, secret_key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=system.gateway_url, timeout=10.0,
                             headers={"Authorization": f"Bearer {secret_key}"})


async def stored_spec(widget: httpx.AsyncClient, spec_hash: str) -> httpx.Response | None:
    response = await widget.get(f"/v1/specs/{spec_hash}")
    return response if response.status_code == 200 else None


def codes(response: httpx.Response) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


async def test_a_new_template_version_never_changes_an_existing_snapshot(system: System) -> None:
    demo = await system.new_brand()
    async with system.widget(demo) as widget, admin(system, demo.secret_key) as brand:
        design = {"product_id": demo.product_id, "values": {"name": "Ada"}}
        snapshot = (await widget.post("/v1/snapshots", json=design)).json()
        # the spec service stores a snapshot's spec from its event, moments after
        spec_before = (await eventually(lambda: stored_spec(widget, snapshot["spec_hash"]))).json()

        zones = copy.deepcopy(PRODUCT["zones"])
        zones[0]["colours"] = ["#B91C1C"]
        zones[0]["rules"]["max_length"] = 10
        # the demo's version 2 is the first with the pen's photo: the new one keeps its views
        current = (await brand.get(f"/v1/admin/products/{demo.product_id}")).json()
        published = await brand.post(f"/v1/admin/products/{demo.product_id}/templates",
                                      json={"views": current["views"], "zones": zones})
        assert published.status_code == 201, published.text
        assert published.json()["template_version"] == 3
        assert published.json()["views"] == current["views"]

        after = (await widget.get(f"/v1/snapshots/{snapshot['id']}")).json()
        spec_after = (await widget.get(f"/v1/specs/{snapshot['spec_hash']}")).json()
        assert (after["spec_hash"], after["template_version"]) == (snapshot["spec_hash"], 2)
        assert spec_after["canonical_json"] == spec_before["canonical_json"]
        assert spec_before["spec"]["zones"][0]["colour"] == "#1F2937"

        config = (await widget.get(f"/v1/widget/products/{demo.product_id}/config")).json()
        assert config["template_version"] == 3
        new = (await widget.post("/v1/snapshots", json=design)).json()
        assert new["template_version"] == 3 and new["spec_hash"] != snapshot["spec_hash"]
        v2 = (await brand.get(f"/v1/admin/products/{demo.product_id}?version=2")).json()
        assert v2["zones"][0]["colours"] == ["#1F2937"]


async def test_a_brand_font_is_uploaded_used_measured_and_rendered(system: System) -> None:
    demo = await system.new_brand()
    font_bytes = shipped_font("dejavu-serif").path.read_bytes()
    async with system.widget(demo) as widget, admin(system, demo.secret_key) as brand:
        uploaded = await brand.post("/v1/admin/fonts?filename=House.ttf", content=font_bytes,
                                    headers={"Content-Type": "font/ttf"})
        assert uploaded.status_code == 201, uploaded.text
        font = uploaded.json()
        assert font["sha256"] == hashlib.sha256(font_bytes).hexdigest() and not font["shipped"]
        not_a_font = await brand.post("/v1/admin/fonts?filename=x.ttf", content=b"\0" * 2000,
                                      headers={"Content-Type": "font/ttf"})
        assert (not_a_font.status_code, codes(not_a_font)) == (422, ["invalid_font_file"])

        zones = copy.deepcopy(PRODUCT["zones"])
        zones[0]["fonts"] = [{"font_id": font["id"], "min_size_mm": 3, "max_size_mm": 8}]
        published = await brand.post(f"/v1/admin/products/{demo.product_id}/templates",
                                      json={"views": PRODUCT["views"], "zones": zones})
        assert published.status_code == 201, published.text
        config = (await widget.get(f"/v1/widget/products/{demo.product_id}/config")).json()
        assert [f["id"] for f in config["fonts"]] == [font["id"]]
        fetched = await widget.get(config["fonts"][0]["url"])
        assert fetched.status_code == 200 and fetched.content == font_bytes

        design = {"product_id": demo.product_id, "values": {"name": "Ada"}}
        spec = (await widget.post("/v1/specs", json=design)).json()
        assert spec["spec"]["zones"][0]["font"] == {"id": font["id"], "sha256": font["sha256"]}
        snapshot = (await widget.post("/v1/snapshots", json=design)).json()
        assert snapshot["spec_hash"] == spec["spec_hash"]
        ready = await ready_preview(widget, snapshot["id"])
        assert (await widget.get(ready["preview"]["url"])).status_code == 200

    other = await system.new_brand()
    async with admin(system, other.secret_key) as stranger:
        zones[0]["fonts"][0]["font_id"] = font["id"]
        refused = await stranger.post("/v1/admin/products", json={
            "name": "x", "views": PRODUCT["views"], "zones": zones})
        assert refused.status_code == 422, refused.text


async def test_the_rules_engine_over_http(system: System) -> None:
    demo = await system.new_brand()
    async with system.widget(demo) as widget, admin(system, demo.secret_key) as brand:
        words = await brand.put("/v1/admin/word-list", json={"blocked": ["badword"],
                                                             "allowed": []})
        assert words.status_code == 200, words.text

        async def check(text: str, path: str = "validate") -> dict:
            response = await widget.post(f"/v1/personalization/{path}", json={
                "product_id": demo.product_id, "values": {"name": text}})
            assert response.status_code == 200, response.text
            return response.json()["zones"][0]

        assert [e["code"] for e in (await check("B4dw0rd"))["errors"]] == ["blocked_word"]
        missing = (await check("Ada 中"))["errors"]
        assert [(e["code"], e["position"]) for e in missing] == [("glyph_missing", 4)]
        stripped = await check("Ada\u200bLove", "normalize")
        assert stripped["value"] == "AdaLove" and stripped["removed"][0]["position"] == 3
        override = await check("abc\u202edef")
        assert [(e["code"], e["position"]) for e in override["errors"]] == [("bidi_control", 3)]
        short, long = await check("Ada", "autofit"), await check("Ada Lovelace Byron", "autofit")
        assert 3 <= long["size_mm"] < short["size_mm"] <= 8
        surrogate = await widget.post("/v1/personalization/validate", content=(
            b'{"product_id": "%s", "values": {"name": "a\\ud800"}}' % demo.product_id.encode()),
            headers={"Content-Type": "application/json"})
        assert (surrogate.status_code, codes(surrogate)) == (400, ["unpaired_surrogate"])

        frame = await widget.post("/v1/personalization/autofit", json={
            "product_id": demo.frame_id,
            "values": {"title": "Our wedding", "date": "12.06.2026",
                       "dedication": "With love, Ada & Charles"}})
        sizes = {z["zone"]: z["size_mm"] for z in frame.json()["zones"]}
        assert all(size and size > 0 for size in sizes.values()), frame.text


async def test_word_rules_over_http(system: System) -> None:
    """Issue 16 through the real services: the admin check says which entry matched and why,
    the widget config carries the rules folded, and a word for review is recorded on the
    snapshot of a design that has it."""
    demo = await system.new_brand()
    async with system.widget(demo) as widget, admin(system, demo.secret_key) as brand:
        words = await brand.put("/v1/admin/word-list", json={
            "blocked": ["Bädword"], "review": ["gosh"], "defaults": ["en", "fr"]})
        assert words.status_code == 200, words.text
        checked = await brand.post("/v1/admin/word-list/check", json={"text": "a b.a.d.w.o.r.d"})
        assert checked.status_code == 200, checked.text
        [match] = checked.json()["matches"]
        assert (checked.json()["outcome"], match["entry"], match["position"], match["why"]) == (
            "block", "Bädword", 2, ["single letters joined"])
        config = (await widget.get(f"/v1/widget/products/{demo.product_id}/config")).json()
        assert "badword" in config["words"]["blocked"] and "gosh" in config["words"]["review"]
        snapshot = await widget.post("/v1/snapshots", json={
            "product_id": demo.product_id, "values": {"name": "Oh gosh"}})
        assert snapshot.status_code == 201, snapshot.text
        assert [(w["zone"], w["entry"], w["position"]) for w in snapshot.json()["review"]] == [
            ("name", "gosh", 3)]


async def test_snapshot_lifecycle_and_spec_validation(system: System) -> None:
    demo = await system.new_brand()
    async with system.widget(demo) as widget, admin(system, demo.secret_key) as brand:
        design = {"product_id": demo.product_id, "values": {"name": "Grace"}}
        spec = (await widget.post("/v1/specs", json=design)).json()
        checked = (await widget.post("/v1/specs/validate", json={
            "document": spec["spec"], "spec_hash": spec["spec_hash"]})).json()
        assert checked["valid"] and checked["canonical_json"] == spec["canonical_json"]
        tampered = copy.deepcopy(spec["spec"])
        tampered["zones"][0]["size_mm"] = 7.9
        mismatch = (await widget.post("/v1/specs/validate", json={
            "document": tampered, "spec_hash": spec["spec_hash"]})).json()
        assert [e["code"] for e in mismatch["errors"]] == ["spec_hash_mismatch"]

        snapshot = (await widget.post("/v1/snapshots", json=design)).json()
        validated = await brand.post(f"/v1/admin/snapshots/{snapshot['id']}/validate")
        assert validated.status_code == 200 and validated.json()["status"] == "validated"
        locked = await brand.post(f"/v1/admin/snapshots/{snapshot['id']}/lock",
                                  json={"reason": "order:1001"})
        assert locked.status_code == 200, locked.text
        assert (locked.json()["status"], locked.json()["lock_reason"]) == ("locked", "order:1001")
        again = await brand.post(f"/v1/admin/snapshots/{snapshot['id']}/validate")
        assert (again.status_code, codes(again)) == (409, ["invalid_transition"])
        seen = (await widget.get(f"/v1/snapshots/{snapshot['id']}")).json()
        assert seen["status"] == "locked" and seen["provenance"]["source"] == "widget"
