"""The brand admin's API: products and templates, fonts, the word list, the snapshot lifecycle."""

import hashlib
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from atelier.contracts.catalog import (
    CHECK_WORDS,
    CREATE_PRODUCT,
    GET_PRODUCT,
    GET_WORD_LIST,
    LIST_FONTS,
    LOCK_SNAPSHOT,
    PUBLISH_TEMPLATE,
    REGISTER_FONT,
    SET_WORD_LIST,
    VALIDATE_SNAPSHOT,
)
from atelier.contracts.personalization import WordCheck, WordList
from atelier.kit.storage import LocalStore
from atelier.typeset.fonts import shipped_font
from atelier.typeset.testing import component_cycle_font, self_referencing_font

from .conftest import Brand, FakeServices, make_brand, zone
from .test_access import codes

FONT_HEADERS = {"Content-Type": "font/ttf"}


def font_bytes() -> bytes:
    return shipped_font("dejavu-serif").path.read_bytes()


async def upload(client: AsyncTestClient, brand: Brand, data: bytes, **headers: str) -> Any:
    return await client.post("/v1/admin/fonts?filename=House.ttf", content=data,
                             headers={**brand.admin, **FONT_HEADERS, **headers})


# --- every admin route wants the secret key -------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/v1/admin/products"),
    ("GET", "/v1/admin/products/p1"),
    ("POST", "/v1/admin/products/p1/templates"),
    ("POST", "/v1/admin/fonts?filename=a.ttf"),
    ("GET", "/v1/admin/fonts"),
    ("PUT", "/v1/admin/word-list"),
    ("GET", "/v1/admin/word-list"),
    ("POST", "/v1/admin/snapshots/s1/validate"),
    ("POST", "/v1/admin/snapshots/s1/lock"),
])
async def test_admin_routes_refuse_the_publishable_key_before_reading_the_body(
    client: AsyncTestClient, brand: Brand, services: FakeServices, method: str, path: str
) -> None:
    response = await client.request(method, path, content=b"{not json", headers=brand.widget)
    assert (response.status_code, codes(response)) == (403, ["wrong_key_kind"])
    assert services.calls == []


# --- products and templates -----------------------------------------------------------------


async def test_products_are_created_in_millimetres_and_read_back(
    client: AsyncTestClient, brand: Brand
) -> None:
    engraving = zone("name", 12, bleed_mm=1, safe_mm=2, layer="engrave", colours=["#112233"])
    created = await client.post("/v1/admin/products", headers=brand.admin,
                                json={"name": "Ring", "zones": [engraving]})
    assert created.status_code == 201
    product = created.json()
    assert product["template_version"] == 1
    assert product["zones"][0]["safe_mm"] == 2 and product["zones"][0]["colours"] == ["#112233"]
    read = await client.get(f"/v1/admin/products/{product['id']}", headers=brand.admin)
    assert read.status_code == 200 and read.json() == product


async def test_invalid_zones_are_refused_with_their_field(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    too_safe = await client.post("/v1/admin/products", headers=brand.admin,
                                 json={"name": "Ring", "zones": [zone(safe_mm=30)]})
    no_fonts = await client.post("/v1/admin/products", headers=brand.admin,
                                 json={"name": "Ring", "zones": [zone(fonts=[])]})
    # the schema allows the first (a rule across its fields refuses it), not the second
    assert (too_safe.status_code, no_fonts.status_code) == (422, 400)
    assert [e["field"] for e in too_safe.json()["errors"]] == ["zones.0"]
    assert [(e["field"], e["code"]) for e in no_fonts.json()["errors"]] == [
        ("zones.0.fonts", "invalid_field")
    ]
    assert services.count(CREATE_PRODUCT) == 0


async def test_a_published_template_is_a_new_version_and_the_old_one_stays(
    client: AsyncTestClient, brand: Brand, product: str
) -> None:
    url = f"/v1/admin/products/{product}"
    published = await client.post(f"{url}/templates", headers=brand.admin,
                                  json={"zones": [zone("name", 8), zone("date", 10)]})
    assert published.status_code == 201
    assert published.json()["template_version"] == 2
    assert [z["key"] for z in published.json()["zones"]] == ["name", "date"]
    current = (await client.get(url, headers=brand.admin)).json()
    first = (await client.get(f"{url}?version=1", headers=brand.admin)).json()
    assert current["template_version"] == 2
    assert (first["template_version"], [z["key"] for z in first["zones"]]) == (1, ["name"])


async def test_template_refusals(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    url = f"/v1/admin/products/{product}"
    twice = await client.post(f"{url}/templates", headers=brand.admin,
                              json={"zones": [zone("name"), zone("name")]})
    smuggled = await client.post(f"{url}/templates", headers=brand.admin,
                                 json={"product_id": "another", "zones": [zone()]})
    unknown = await client.post("/v1/admin/products/no-such/templates", headers=brand.admin,
                                json={"zones": [zone()]})
    no_version = await client.get(f"{url}?version=7", headers=brand.admin)
    bad_version = await client.get(f"{url}?version=0", headers=brand.admin)
    assert twice.status_code == 422 and "unique" in twice.json()["errors"][0]["message"]
    assert [(e["field"], e["code"]) for e in smuggled.json()["errors"]] == [
        ("product_id", "invalid_field")
    ]
    assert (unknown.status_code, codes(unknown)) == (404, ["not_found"])
    assert (no_version.status_code, codes(no_version)) == (404, ["not_found"])
    assert bad_version.status_code == 400
    assert [e["field"] for e in bad_version.json()["errors"]] == ["version"]
    assert services.count(PUBLISH_TEMPLATE) == 1  # only the unknown product reached the service
    assert services.count(GET_PRODUCT) == 1


async def test_another_brands_product_is_not_found(
    client: AsyncTestClient, brand: Brand, product: str
) -> None:
    other = await make_brand(client)
    read = await client.get(f"/v1/admin/products/{product}", headers=other.admin)
    publish = await client.post(f"/v1/admin/products/{product}/templates", headers=other.admin,
                                json={"zones": [zone()]})
    assert (read.status_code, codes(read)) == (404, ["not_found"])
    assert (publish.status_code, codes(publish)) == (404, ["not_found"])


# --- fonts ----------------------------------------------------------------------------------


async def test_a_font_is_stored_by_content_registered_listed_and_served(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices,
    store: LocalStore,
) -> None:
    data = font_bytes()
    digest = hashlib.sha256(data).hexdigest()
    response = await upload(client, brand, data)
    assert response.status_code == 201
    font = response.json()
    assert (font["sha256"], font["shipped"]) == (digest, False)
    assert font["url"] == f"/v1/assets/fonts/{digest}"
    assert await store.get(f"fonts/{digest}") == data

    listed = (await client.get("/v1/admin/fonts", headers=brand.admin)).json()["fonts"]
    assert font in listed and any(f["shipped"] for f in listed)
    config = await client.get(f"/v1/widget/products/{product}/config", headers=brand.widget)
    assert font in config.json()["fonts"]

    served = await client.get(font["url"])  # a shopper's browser loads it without a key
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"] == "font/sfnt"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_the_same_font_uploaded_again_is_harmless(
    client: AsyncTestClient, brand: Brand, services: FakeServices, store: LocalStore
) -> None:
    first = await upload(client, brand, font_bytes())
    again = await upload(client, brand, font_bytes(), **{"Content-Type": "application/font-sfnt"})
    assert first.status_code == again.status_code == 201
    assert first.json()["sha256"] == again.json()["sha256"]
    assert len(list((store.root / "fonts").iterdir())) == 1


async def test_an_oversized_font_is_refused_and_nothing_is_stored(
    client: AsyncTestClient, brand: Brand, services: FakeServices, store: LocalStore
) -> None:
    too_big = b"\x00\x01\x00\x00" + b"\x00" * (5 * 1024 * 1024)
    response = await upload(client, brand, too_big)
    assert (response.status_code, codes(response)) == (413, ["body_too_large"])
    assert not (store.root / "fonts").exists()
    assert services.count(REGISTER_FONT) == 0


async def test_a_font_just_over_the_json_limit_is_accepted(
    client: AsyncTestClient, brand: Brand
) -> None:
    padded = font_bytes() + b"\x00" * (64 * 1024)  # the 5 MiB limit is this route's alone
    assert (await upload(client, brand, padded)).status_code == 201


REFUSED_FONTS = [
    pytest.param(b"<html>not a font</html>", "invalid_font_file", id="not-a-font"),
    pytest.param(font_bytes()[:20_000], "invalid_font_file", id="truncated"),
    pytest.param(self_referencing_font(), "font_not_drawable", id="glyph-built-from-itself"),
    pytest.param(component_cycle_font(), "font_not_drawable", id="component-cycle"),
]


@pytest.mark.parametrize(("data", "code"), REFUSED_FONTS)
async def test_a_refused_font_leaves_nothing_behind(
    client: AsyncTestClient, brand: Brand, services: FakeServices, store: LocalStore,
    data: bytes, code: str,
) -> None:
    await upload(client, brand, font_bytes())  # an accepted one is stored
    before = sorted(await store.list_objects(""))
    response = await upload(client, brand, data)
    assert (response.status_code, codes(response)) == (422, [code])
    assert sorted(await store.list_objects("")) == before  # nothing new in the object store
    assert services.count(REGISTER_FONT) == 1  # personalization never asked to record it
    listed = (await client.get("/v1/admin/fonts", headers=brand.admin)).json()["fonts"]
    assert [f["shipped"] for f in listed].count(False) == 1


async def test_font_upload_refusals(
    client: AsyncTestClient, brand: Brand, services: FakeServices, store: LocalStore
) -> None:
    as_json = await upload(client, brand, font_bytes(), **{"Content-Type": "application/json"})
    empty = await upload(client, brand, b"")
    unnamed = await client.post("/v1/admin/fonts", content=font_bytes(),
                                headers={**brand.admin, **FONT_HEADERS})
    assert (as_json.status_code, codes(as_json)) == (415, ["unsupported_media_type"])
    assert as_json.json()["errors"][0]["field"] == "Content-Type"
    assert (empty.status_code, codes(empty)) == (422, ["invalid_field"])
    assert (unnamed.status_code, codes(unnamed)) == (422, ["invalid_field"])
    assert [e["field"] for e in unnamed.json()["errors"]] == ["filename"]
    assert services.count(REGISTER_FONT) == 0
    assert not (store.root / "fonts").exists()


# --- the word list --------------------------------------------------------------------------


async def test_the_word_list_is_set_and_read_by_its_brand_only(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    words = {"blocked": ["merde"], "allowed": ["merdeux"]}
    put = await client.put("/v1/admin/word-list", json=words, headers=brand.admin)
    got = await client.get("/v1/admin/word-list", headers=brand.admin)
    other = await make_brand(client)
    theirs = await client.get("/v1/admin/word-list", headers=other.admin)
    assert put.status_code == got.status_code == 200
    assert put.json() == got.json() == WordList.model_validate(words).model_dump(mode="json")
    assert theirs.json() == WordList().model_dump(mode="json")
    assert services.count(SET_WORD_LIST) == 1 and services.count(GET_WORD_LIST) == 2


async def test_a_test_text_is_checked_against_the_brands_word_rules(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    response = await client.post("/v1/admin/word-list/check", json={"text": "oh merde"},
                                 headers=brand.admin)
    assert response.status_code == 200
    assert WordCheck.model_validate(response.json()) == services.word_checks[-1]
    assert services.count(CHECK_WORDS) == 1
    too_long = await client.post("/v1/admin/word-list/check", json={"text": "x" * 2001},
                                 headers=brand.admin)
    assert too_long.status_code == 400 and services.count(CHECK_WORDS) == 1


async def test_an_invalid_word_list_is_refused(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    response = await client.put("/v1/admin/word-list", json={"blocked": "merde"},
                                headers=brand.admin)
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("blocked", "invalid_field")
    ]
    assert services.count(SET_WORD_LIST) == 0


async def test_fonts_are_listed_for_the_brand(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    response = await client.get("/v1/admin/fonts", headers=brand.admin)
    assert response.status_code == 200
    assert {f["id"] for f in response.json()["fonts"]} >= {"dejavu-sans", "dejavu-serif"}
    assert services.calls[-1] == (LIST_FONTS.subject, brand.id)


# --- the snapshot lifecycle -----------------------------------------------------------------


async def snapshot_of(client: AsyncTestClient, brand: Brand, product: str) -> str:
    created = await client.post("/v1/snapshots", headers=brand.widget,
                                json={"product_id": product, "values": {"name": "Ada"}})
    assert created.status_code == 201
    return created.json()["id"]


async def test_a_snapshot_is_validated_then_locked_by_the_key_that_did_it(
    client: AsyncTestClient, brand: Brand, product: str
) -> None:
    snapshot_id = await snapshot_of(client, brand, product)
    url = f"/v1/admin/snapshots/{snapshot_id}"
    validated = await client.post(f"{url}/validate", headers=brand.admin)
    locked = await client.post(f"{url}/lock", json={"reason": "order:1001"}, headers=brand.admin)
    assert validated.status_code == locked.status_code == 200
    assert validated.json()["status"] == "validated"
    assert validated.json()["validated_by"] == f"key:{brand.secret[:12]}"
    view = locked.json()
    assert (view["status"], view["lock_reason"]) == ("locked", "order:1001")
    assert view["locked_by"] == f"key:{brand.secret[:12]}" and view["locked_at"]
    shown = (await client.get(f"/v1/snapshots/{snapshot_id}", headers=brand.widget)).json()
    assert {k: shown[k] for k in view} == view  # the widget sees the lifecycle too


async def test_illegal_transitions_are_conflicts(
    client: AsyncTestClient, brand: Brand, product: str
) -> None:
    snapshot_id = await snapshot_of(client, brand, product)
    url = f"/v1/admin/snapshots/{snapshot_id}"
    assert (await client.post(f"{url}/lock", json={"reason": "order:1"},
                              headers=brand.admin)).status_code == 200
    relock = await client.post(f"{url}/lock", json={"reason": "order:2"}, headers=brand.admin)
    revalidate = await client.post(f"{url}/validate", headers=brand.admin)
    assert (relock.status_code, codes(relock)) == (409, ["invalid_transition"])
    assert (revalidate.status_code, codes(revalidate)) == (409, ["invalid_transition"])


async def test_lifecycle_refusals(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    snapshot_id = await snapshot_of(client, brand, product)
    other = await make_brand(client)
    theirs = await client.post(f"/v1/admin/snapshots/{snapshot_id}/validate", headers=other.admin)
    unknown = await client.post("/v1/admin/snapshots/no-such/lock", json={"reason": "x"},
                                headers=brand.admin)
    no_reason = await client.post(f"/v1/admin/snapshots/{snapshot_id}/lock", json={},
                                  headers=brand.admin)
    assert (theirs.status_code, codes(theirs)) == (404, ["not_found"])
    assert (unknown.status_code, codes(unknown)) == (404, ["not_found"])
    assert [(e["field"], e["code"]) for e in no_reason.json()["errors"]] == [
        ("reason", "invalid_field")
    ]
    assert services.count(LOCK_SNAPSHOT) == 1 and services.count(VALIDATE_SNAPSHOT) == 1
    own = (await client.get(f"/v1/snapshots/{snapshot_id}", headers=brand.widget)).json()
    assert own["status"] == "created"
