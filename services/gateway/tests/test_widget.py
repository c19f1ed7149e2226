"""The shopper's path: configuration, validation, snapshots, previews, assets and fonts."""

import asyncio
from collections.abc import Callable
from datetime import timedelta

import asyncpg
from litestar.testing import AsyncTestClient

from atelier.contracts.catalog import (
    AUTOFIT_DESIGN,
    CREATE_SNAPSHOT,
    CREATE_SPEC,
    NORMALIZE_DESIGN,
    VALIDATE_DESIGN,
    VALIDATE_SPEC,
)
from atelier.contracts.personalization import WordList
from atelier.contracts.render import RenderedAsset, RenderState, RenderStatus
from atelier.contracts.snapshot import HeldWord
from atelier.gateway.app import create_app
from atelier.gateway.bootstrap import bootstrap
from atelier.gateway.settings import GatewaySettings
from atelier.kit.storage import LocalStore
from atelier.typeset.fonts import shipped_font

from .conftest import SHOP, Brand, FakeServices, make_brand
from .test_access import codes


async def idempotency_rows(db: asyncpg.Connection, brand: Brand) -> int:
    return await db.fetchval("SELECT count(*) FROM gateway.idempotency_keys WHERE brand_id=$1",
                             brand.id)


async def test_config_has_an_etag_and_answers_304_when_unchanged(
    client: AsyncTestClient, brand: Brand, product: str
) -> None:
    url = f"/v1/widget/products/{product}/config"
    first = await client.get(url, headers=brand.widget)
    assert first.status_code == 200
    assert first.json()["product_id"] == product
    assert first.headers["cache-control"] == "public, max-age=60"
    etag = first.headers["etag"]
    again = await client.get(url, headers={**brand.widget, "If-None-Match": etag})
    weak = await client.get(url, headers={**brand.widget, "If-None-Match": f"W/{etag}"})
    stale = await client.get(url, headers={**brand.widget, "If-None-Match": '"old"'})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert weak.status_code == 304
    assert stale.status_code == 200 and stale.headers["etag"] == etag


async def test_unknown_product_is_a_404_problem(client: AsyncTestClient, brand: Brand) -> None:
    response = await client.get("/v1/widget/products/no-such-product/config", headers=brand.widget)
    assert response.status_code == 404
    problem = response.json()
    assert problem["status"] == 404 and problem["title"]
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("product_id", "not_found")]


async def test_validate_answers_without_the_internal_design(
    client: AsyncTestClient, brand: Brand, product: str
) -> None:
    valid = await client.post("/v1/personalization/validate", headers=brand.widget,
                              json={"product_id": product, "values": {"name": "Ada"}})
    invalid = await client.post("/v1/personalization/validate", headers=brand.widget,
                                json={"product_id": product, "values": {"name": "Adelaide"}})
    assert valid.status_code == 200 and valid.json()["valid"] is True
    assert "design" not in valid.json()
    assert invalid.status_code == 200 and invalid.json()["valid"] is False
    assert invalid.json()["zones"][0]["errors"][0]["code"] == "too_long"


async def test_malformed_json_and_invalid_fields_are_explained(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    malformed = await client.post("/v1/snapshots", content=b'{"product_id": ',
                                  headers={**brand.widget, "Content-Type": "application/json"})
    invalid = await client.post("/v1/snapshots", headers=brand.widget,
                                json={"product_id": "", "values": {"name": 7}})
    assert (malformed.status_code, codes(malformed)) == (400, ["malformed_json"])
    assert invalid.status_code == 400
    errors = sorted((e["field"], e["code"]) for e in invalid.json()["errors"])
    assert errors[0] == ("product_id", "invalid_field")
    # a zone value is a text or a ZoneInput: one error, at the zone's value
    assert [field for field, _ in errors[1:]] == ["values.name"]
    empty = await client.post("/v1/snapshots", content=b"", headers=brand.widget)
    assert (empty.status_code, codes(empty)) == (400, ["malformed_json"])
    assert services.calls == []


async def test_oversized_body_is_refused_before_anything_happens(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices,
    db: asyncpg.Connection,
) -> None:
    huge = {"product_id": product, "values": {"name": "x" * (64 * 1024)}}
    response = await client.post("/v1/snapshots", json=huge,
                                 headers={**brand.widget, "Idempotency-Key": "big-1"})
    assert (response.status_code, codes(response)) == (413, ["body_too_large"])
    assert services.count(VALIDATE_DESIGN) == 0
    assert await idempotency_rows(db, brand) == 0


async def test_snapshot_is_created_from_a_valid_design(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    response = await client.post("/v1/snapshots", headers=brand.widget,
                                 json={"product_id": product, "values": {"name": "Ada"}})
    assert response.status_code == 201
    body = response.json()
    assert body["product_id"] == product and body["status"] == "created"
    assert body["template_version"] == 1 and len(body["spec_hash"]) == 64
    assert body["preview"] == {"status": "pending"}
    assert services.snapshots[(brand.id, body["id"])].spec_hash == body["spec_hash"]


async def test_a_snapshot_records_the_words_for_review_its_design_has(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    services.word_lists[brand.id] = WordList(review=["hey"])
    response = await client.post("/v1/snapshots", headers=brand.widget,
                                 json={"product_id": product, "values": {"name": "A hey"}})
    assert response.status_code == 201
    held = [HeldWord(zone="name", entry="hey", source="brand", position=2, matched="hey")]
    assert services.created[-1].review == held
    assert [HeldWord.model_validate(word) for word in response.json()["review"]] == held
    clean = await client.post("/v1/snapshots", headers=brand.widget,
                              json={"product_id": product, "values": {"name": "Ada"}})
    assert clean.json()["review"] == [] and services.created[-1].review == []


async def test_invalid_design_names_the_zone_and_writes_nothing(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices,
    db: asyncpg.Connection,
) -> None:
    headers = {**brand.widget, "Idempotency-Key": "order-1"}
    response = await client.post("/v1/snapshots", headers=headers,
                                 json={"product_id": product, "values": {"name": "Adelaide"}})
    assert response.status_code == 422
    assert [(e["field"], e["code"], e["position"]) for e in response.json()["errors"]] == [
        ("name", "too_long", 5)
    ]
    assert services.count(CREATE_SPEC) == services.count(CREATE_SNAPSHOT) == 0
    assert await idempotency_rows(db, brand) == 0
    # only successes are remembered: the corrected design may use the same key
    fixed = await client.post("/v1/snapshots", headers=headers,
                              json={"product_id": product, "values": {"name": "Ada"}})
    assert fixed.status_code == 201


async def test_idempotency_key_replays_the_first_response(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices,
    db: asyncpg.Connection,
) -> None:
    headers = {**brand.widget, "Idempotency-Key": "cart-42", "Content-Type": "application/json"}
    first = await client.post("/v1/snapshots", headers=headers,
                              content=f'{{"product_id": "{product}", "values": {{"name": "Ada"}}}}')
    # the same request, spelled differently
    again = await client.post("/v1/snapshots", headers=headers,
                              content=f'{{"values":{{"name":"Ada"}},"product_id":"{product}"}}')
    other = await client.post("/v1/snapshots", headers=headers,
                              json={"product_id": product, "values": {"name": "Bob"}})
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert (other.status_code, codes(other)) == (422, ["idempotency_key_reused"])
    assert services.count(CREATE_SNAPSHOT) == 1
    assert await idempotency_rows(db, brand) == 1
    # keys belong to a brand: another brand's identical key is another request
    elsewhere = await make_brand(client)
    theirs = await client.post("/v1/snapshots", json={"product_id": product, "values": {}},
                               headers={**elsewhere.widget, "Idempotency-Key": "cart-42"})
    assert theirs.status_code == 404  # their brand has no such product, and no replay of ours


async def test_an_idempotency_key_is_forgotten_after_its_retention(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices,
    db: asyncpg.Connection, settings: GatewaySettings,
) -> None:
    headers = {**brand.widget, "Idempotency-Key": "cart-7"}
    design = {"product_id": product, "values": {"name": "Ada"}}
    first = await client.post("/v1/snapshots", headers=headers, json=design)
    assert first.status_code == 201
    await client.post("/v1/snapshots", headers={**brand.widget, "Idempotency-Key": "cart-8"},
                      json=design)
    await db.execute("UPDATE gateway.idempotency_keys SET created_at = now() - $1::interval "
                     "WHERE key = 'cart-7'", timedelta(hours=settings.idempotency_retention_h + 1))
    runtime = bootstrap(settings)
    try:
        purged = await runtime.housekeeping.purge_all()
    finally:
        await runtime.db.dispose()
    assert purged["idempotency_keys"] == 1
    assert await idempotency_rows(db, brand) == 1  # cart-8 is still remembered
    again = await client.post("/v1/snapshots", headers=headers, json=design)
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    # past the gateway's, the services' own request keys (kept longer) still name the request
    assert services.count(CREATE_SNAPSHOT) == 2
    assert again.json()["id"] == first.json()["id"]


async def test_concurrent_requests_with_one_key_create_one_snapshot(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    headers = {**brand.widget, "Idempotency-Key": "double-click"}
    design = {"product_id": product, "values": {"name": "Ada"}}
    # the test client blocks its caller's event loop for each request: each goes from a thread
    responses = await asyncio.gather(*(
        asyncio.to_thread(asyncio.run, client.post("/v1/snapshots", headers=headers, json=design))
        for _ in range(4)
    ))
    assert services.count(CREATE_SNAPSHOT) == 1
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    for response in responses:
        assert response.status_code == 201 or codes(response) == ["idempotency_in_progress"]


async def test_snapshot_status_shows_the_preview_once_ready(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices,
    settings: GatewaySettings,
) -> None:
    created = (await client.post("/v1/snapshots", headers=brand.widget,
                                 json={"product_id": product, "values": {"name": "Ada"}})).json()
    pending = await client.get(f"/v1/snapshots/{created['id']}", headers=brand.widget)
    assert pending.status_code == 200
    assert pending.json()["preview"] == {"status": "pending"}

    key = f"renders/{created['spec_hash']}/mockup-front.png"
    png = b"\x89PNG\r\n\x1a\n-preview"
    await LocalStore(settings.storage_dir).put(key, png, "image/png")
    services.renders[created["spec_hash"]] = RenderState(
        spec_hash=created["spec_hash"], status=RenderStatus.READY, assets=[RenderedAsset(
            kind="mockup", view="front", variant="front.png", status=RenderStatus.READY,
            object_key=key)])
    ready = (await client.get(f"/v1/snapshots/{created['id']}", headers=brand.widget)).json()
    assert ready["preview"] == {"status": "ready", "url": f"/v1/assets/{key}"}
    assert ready["id"] == created["id"] and ready["spec_hash"] == created["spec_hash"]

    asset = await client.get(ready["preview"]["url"])  # public: an <img> sends no key
    assert asset.status_code == 200 and asset.content == png
    assert asset.headers["content-type"] == "image/png"
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_only_existing_render_assets_are_served(
    client: AsyncTestClient, settings: GatewaySettings
) -> None:
    store = LocalStore(settings.storage_dir)
    await store.put("bundles/order-1/production.zip", b"private", "application/zip")
    private = await client.get("/v1/assets/bundles/order-1/production.zip")
    missing = await client.get("/v1/assets/renders/unknown/preview.png")
    assert (private.status_code, codes(private)) == (404, ["not_found"])
    assert (missing.status_code, codes(missing)) == (404, ["not_found"])


async def test_shipped_fonts_are_served_immutable(client: AsyncTestClient) -> None:
    response = await client.get("/v1/fonts/dejavu-sans")
    assert response.status_code == 200
    assert response.content == shipped_font("dejavu-sans").path.read_bytes()
    assert response.headers["content-type"] == "font/ttf"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["access-control-allow-origin"] == "*"
    assert (await client.get("/v1/fonts/comic-sans")).status_code == 404


async def test_a_missing_service_is_a_503_problem(settings_of: Callable) -> None:
    settings = settings_of("gateway", platform_token="t")
    async with AsyncTestClient(app=create_app(settings)) as client:  # no fake services running
        created = await client.post("/v1/platform/brands", json={"name": "Solo"},
                                    headers={"Authorization": "Bearer t"})
        key = created.json()["publishable_key"]
        response = await client.get("/v1/widget/products/p/config",
                                    headers={"X-Atelier-Key": key})
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")


# --- normalize and auto-fit -----------------------------------------------------------------


async def test_normalize_and_autofit_reach_their_own_checks(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    decomposed = {"product_id": product, "values": {"name": "Ade\u0301"}}
    chosen = {"product_id": product,
              "values": {"name": {"text": "Ada", "font_id": "dejavu-sans", "colour": "#000000"}}}
    normalized = await client.post("/v1/personalization/normalize", json=decomposed,
                                   headers=brand.widget)
    fitted = await client.post("/v1/personalization/autofit", json=chosen, headers=brand.widget)
    assert normalized.status_code == fitted.status_code == 200
    assert normalized.json()["zones"][0]["value"] == "Ad\u00e9"
    assert fitted.json()["zones"][0]["size_mm"] == 8  # the top of the zone's range
    assert "design" not in normalized.json() and "design" not in fitted.json()
    assert services.count(NORMALIZE_DESIGN) == services.count(AUTOFIT_DESIGN) == 1
    assert services.count(VALIDATE_DESIGN) == 0


async def test_a_zone_input_names_its_font(
    client: AsyncTestClient, brand: Brand, product: str
) -> None:
    response = await client.post(
        "/v1/personalization/validate", headers=brand.widget,
        json={"product_id": product, "values": {"name": {"text": "Ada", "font_id": "comic"}}},
    )
    assert response.status_code == 200 and response.json()["valid"] is False
    assert response.json()["zones"][0]["errors"][0]["code"] == "font_not_allowed"


async def test_design_checks_refuse_bad_bodies_and_unknown_products(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    extra = await client.post("/v1/personalization/autofit", headers=brand.widget,
                              json={"product_id": "p", "values": {"name": {"txt": "Ada"}}})
    unknown = await client.post("/v1/personalization/normalize", headers=brand.widget,
                                json={"product_id": "no-such", "values": {}})
    assert extra.status_code == 400
    assert "values.name.txt" in {e["field"] for e in extra.json()["errors"]}
    assert (unknown.status_code, codes(unknown)) == (404, ["not_found"])
    assert services.count(AUTOFIT_DESIGN) == 0


# --- specs ----------------------------------------------------------------------------------


async def test_a_spec_is_made_from_a_valid_design_and_read_back(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    created = await client.post("/v1/specs", headers=brand.widget,
                                json={"product_id": product, "values": {"name": "Ada"}})
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"spec_hash", "spec", "canonical_json"}
    assert body["spec"]["template_version"] == 1
    assert body["spec"]["zones"][0]["font"] == {
        "id": "dejavu-sans", "sha256": shipped_font("dejavu-sans").sha256
    }
    read = await client.get(f"/v1/specs/{body['spec_hash']}", headers=brand.widget)
    assert read.status_code == 200 and read.json() == body
    other = await make_brand(client)
    theirs = await client.get(f"/v1/specs/{body['spec_hash']}", headers=other.widget)
    unknown = await client.get(f"/v1/specs/{'0' * 64}", headers=brand.widget)
    assert (theirs.status_code, codes(theirs)) == (404, ["not_found"])
    assert (unknown.status_code, codes(unknown)) == (404, ["not_found"])


async def test_an_invalid_design_makes_no_spec(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    response = await client.post("/v1/specs", headers=brand.widget,
                                 json={"product_id": product, "values": {"name": "Adelaide"}})
    assert response.status_code == 422
    assert [(e["field"], e["code"], e["position"]) for e in response.json()["errors"]] == [
        ("name", "too_long", 5)
    ]
    assert services.count(CREATE_SPEC) == 0


async def test_a_spec_document_is_checked(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    spec = (await client.post("/v1/specs", headers=brand.widget,
                              json={"product_id": product, "values": {"name": "Ada"}})).json()
    good = await client.post("/v1/specs/validate", headers=brand.widget,
                             json={"document": spec["spec"], "spec_hash": spec["spec_hash"]})
    wrong = await client.post("/v1/specs/validate", headers=brand.widget,
                              json={"document": spec["spec"], "spec_hash": "f" * 64})
    missing = await client.post("/v1/specs/validate", headers=brand.widget,
                                json={"spec_hash": spec["spec_hash"]})
    assert good.status_code == wrong.status_code == 200
    assert good.json()["valid"] is True and good.json()["spec_hash"] == spec["spec_hash"]
    assert wrong.json()["valid"] is False
    assert [e["code"] for e in wrong.json()["errors"]] == ["spec_hash_mismatch"]
    assert [(e["field"], e["code"]) for e in missing.json()["errors"]] == [
        ("document", "invalid_field")
    ]
    assert services.count(VALIDATE_SPEC) == 2


# --- snapshots: request key and provenance --------------------------------------------------


async def test_a_snapshot_records_where_it_came_from(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    design = {"product_id": product, "values": {"name": "Ada"}}
    from_widget = await client.post(
        "/v1/snapshots", json=design,
        headers={**brand.widget, "Origin": SHOP, "User-Agent": "Mozilla/5.0 " + "x" * 600,
                 "Idempotency-Key": "cart-7"},
    )
    from_server = await client.post("/v1/snapshots", json=design, headers=brand.admin)
    assert from_widget.status_code == from_server.status_code == 201
    widget, server = services.created
    assert widget.provenance.source == "widget" and server.provenance.source == "api"
    assert widget.provenance.key_prefix == brand.publishable[:12]
    assert server.provenance.key_prefix == brand.secret[:12]
    assert (widget.provenance.origin, server.provenance.origin) == (SHOP, None)
    assert widget.provenance.user_agent == ("Mozilla/5.0 " + "x" * 600)[:500]
    assert widget.provenance.correlation_id
    shown = await client.get(f"/v1/snapshots/{from_widget.json()['id']}", headers=brand.widget)
    assert shown.json()["provenance"] == widget.provenance.model_dump(mode="json")
    assert shown.json()["status"] == "created" and shown.json()["locked_at"] is None


async def test_the_snapshot_service_dedupes_a_retry_the_gateway_lost_track_of(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices,
    db: asyncpg.Connection,
) -> None:
    headers = {**brand.widget, "Idempotency-Key": "cart-9"}
    design = {"product_id": product, "values": {"name": "Ada"}}
    first = await client.post("/v1/snapshots", json=design, headers=headers)
    # the gateway's record is gone (say, the answer was lost before it was stored)
    await db.execute("DELETE FROM gateway.idempotency_keys WHERE brand_id=$1", brand.id)
    again = await client.post("/v1/snapshots", json=design, headers=headers)
    assert first.status_code == again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert again.json()["id"] == first.json()["id"]
    assert len(services.created) == 1  # the retry was answered by the request key, not the fake
