"""Idempotency-Key on every mutating POST (DESIGN §9): a retry gets the first answer, byte for
byte, and reaches no service; another request under the same key is a 422; a failure is not
remembered; keys are per brand. The two POSTs that show API keys refuse a key; the read-only
POSTs ignore one. (``POST /v1/snapshots``' own cases are in test_widget.)"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

import asyncpg
from httpx import Response
from litestar.testing import AsyncTestClient

from atelier.contracts.catalog import (
    CREATE_PRODUCT,
    CREATE_SPEC,
    LOCK_SNAPSHOT,
    PUBLISH_TEMPLATE,
    REGISTER_FONT,
    VALIDATE_SNAPSHOT,
    VALIDATE_SPEC,
)
from atelier.gateway import domain
from atelier.gateway.app import create_app

from .conftest import PLATFORM_TOKEN, Brand, FakeServices, make_brand, make_product, zone
from .test_access import codes
from .test_admin import FONT_HEADERS, font_bytes, snapshot_of
from .test_widget import idempotency_rows


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def assert_replayed(first: Response, again: Response) -> None:
    assert first.status_code < 300, first.text
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"


def assert_reused(response: Response) -> None:
    assert (response.status_code, codes(response)) == (422, ["idempotency_key_reused"])


# --- the routes that honour a key -----------------------------------------------------------


async def test_a_retried_product_creation_makes_one_product(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    headers = keyed({**brand.admin, "Content-Type": "application/json"}, "product-1")
    first = await client.post("/v1/admin/products", headers=headers,
                              content=json.dumps({"name": "Ring", "zones": [zone()]}, indent=2))
    # the same request, spelled differently
    again = await client.post("/v1/admin/products", headers=headers,
                              content=json.dumps({"zones": [zone()], "name": "Ring"}))
    other = await client.post("/v1/admin/products", headers=headers,
                              json={"name": "Pendant", "zones": [zone()]})
    assert_replayed(first, again)
    assert_reused(other)
    assert services.count(CREATE_PRODUCT) == 1 and len(services.products) == 1


async def test_keys_belong_to_a_brand(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    product = {"name": "Ring", "zones": [zone()]}
    ours = await client.post("/v1/admin/products", headers=keyed(brand.admin, "k"), json=product)
    elsewhere = await make_brand(client)
    theirs, their_retry = [
        await client.post("/v1/admin/products", headers=keyed(elsewhere.admin, "k"), json=product)
        for _ in range(2)
    ]
    assert ours.status_code == 201
    assert_replayed(theirs, their_retry)  # their own first answer, not ours
    assert ours.json()["id"] != theirs.json()["id"]
    assert services.count(CREATE_PRODUCT) == 2


async def test_a_retried_template_publication_publishes_one_version(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    headers = keyed(brand.admin, "template-2")
    template = {"zones": [zone(max_length=9)]}
    first = await client.post(f"/v1/admin/products/{product}/templates", headers=headers,
                              json=template)
    again = await client.post(f"/v1/admin/products/{product}/templates", headers=headers,
                              json=template)
    other = await client.post(f"/v1/admin/products/{product}/templates", headers=headers,
                              json={"zones": [zone(max_length=7)]})
    # the key is bound to the path's product too: the same body for another one is another request
    second = await make_product(client, brand)
    elsewhere = await client.post(f"/v1/admin/products/{second}/templates", headers=headers,
                                  json=template)
    assert_replayed(first, again)
    assert first.json()["template_version"] == 2
    assert_reused(other)
    assert_reused(elsewhere)
    assert services.count(PUBLISH_TEMPLATE) == 1


async def test_a_retried_font_upload_registers_one_font(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    headers = keyed({**brand.admin, **FONT_HEADERS}, "font-1")
    data = font_bytes()
    first = await client.post("/v1/admin/fonts?filename=House.ttf", content=data, headers=headers)
    again = await client.post("/v1/admin/fonts?filename=House.ttf", content=data, headers=headers)
    renamed = await client.post("/v1/admin/fonts?filename=Other.ttf", content=data,
                                headers=headers)
    changed = await client.post("/v1/admin/fonts?filename=House.ttf", content=data + b"\x00",
                                headers=headers)
    assert_replayed(first, again)
    assert first.json()["sha256"] == hashlib.sha256(data).hexdigest()
    assert_reused(renamed)
    assert_reused(changed)
    assert services.count(REGISTER_FONT) == 1


async def test_a_retried_lock_locks_once_and_the_key_is_bound_to_its_route(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    url = f"/v1/admin/snapshots/{await snapshot_of(client, brand, product)}"
    headers = keyed(brand.admin, "order-1001")
    first = await client.post(f"{url}/lock", headers=headers, json={"reason": "order:1001"})
    again = await client.post(f"{url}/lock", headers=headers, json={"reason": "order:1001"})
    other = await client.post(f"{url}/lock", headers=headers, json={"reason": "order:1002"})
    validate = await client.post(f"{url}/validate", headers=headers)
    assert_replayed(first, again)  # not the 409 of locking a locked snapshot
    assert first.json()["status"] == "locked"
    assert_reused(other)
    assert_reused(validate)
    assert services.count(LOCK_SNAPSHOT) == 1 and services.count(VALIDATE_SNAPSHOT) == 0


async def test_a_retried_approval_and_a_retried_spec_reach_their_service_once(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    url = f"/v1/admin/snapshots/{await snapshot_of(client, brand, product)}/validate"
    approved = [await client.post(url, headers=keyed(brand.admin, "approve")) for _ in range(2)]
    design = {"product_id": product, "values": {"name": "Ada"}}
    specs = [await client.post("/v1/specs", headers=keyed(brand.widget, "spec"), json=design)
             for _ in range(2)]
    assert_replayed(*approved)
    assert_replayed(*specs)
    assert services.count(VALIDATE_SNAPSHOT) == 1
    assert services.count(CREATE_SPEC) == 1  # the spec's (a snapshot's spec comes from its event)


async def test_a_retried_revocation_is_replayed_and_bound_to_its_key_id(
    client: AsyncTestClient, brand: Brand
) -> None:
    made = await client.post("/v1/admin/keys", json={"kind": "publishable"}, headers=brand.admin)
    key_id = made.json()["id"]
    headers = keyed(brand.admin, "revoke-1")
    first = await client.post(f"/v1/admin/keys/{key_id}/revoke", headers=headers)
    again = await client.post(f"/v1/admin/keys/{key_id}/revoke", headers=headers)
    listed = (await client.get("/v1/admin/keys", headers=brand.admin)).json()["keys"]
    widget_key = next(k for k in listed if brand.publishable.startswith(k["key_prefix"]))
    other = await client.post(f"/v1/admin/keys/{widget_key['id']}/revoke", headers=headers)
    assert_replayed(first, again)
    assert first.json()["revoked_at"]
    assert_reused(other)


# --- failures are not remembered ------------------------------------------------------------


async def test_a_failed_first_attempt_runs_again_under_the_same_key(
    client: AsyncTestClient, brand: Brand, services: FakeServices, db: asyncpg.Connection
) -> None:
    headers = keyed({**brand.admin, **FONT_HEADERS}, "font-2")
    url = "/v1/admin/fonts?filename=House.ttf"
    refused = [await client.post(url, content=b"<html>not a font</html>", headers=headers)
               for _ in range(2)]
    assert [(r.status_code, codes(r)) for r in refused] == [(422, ["invalid_font_file"])] * 2
    assert "idempotent-replayed" not in refused[1].headers  # the retry was checked again
    assert await idempotency_rows(db, brand) == 0
    # nor is the key taken: the right file may be sent under it, and that answer is remembered
    fixed = [await client.post(url, content=font_bytes(), headers=headers) for _ in range(2)]
    assert_replayed(*fixed)
    assert services.count(REGISTER_FONT) == 1


async def test_a_refused_revocation_succeeds_when_retried_once_allowed(
    client: AsyncTestClient, brand: Brand
) -> None:
    listed = (await client.get("/v1/admin/keys", headers=brand.admin)).json()["keys"]
    [secret] = [k for k in listed if k["kind"] == "secret"]
    url, headers = f"/v1/admin/keys/{secret['id']}/revoke", keyed(brand.admin, "revoke-2")
    refused = await client.post(url, headers=headers)
    assert (refused.status_code, codes(refused)) == (409, ["conflict"])
    second = (await client.post("/v1/admin/keys", json={"kind": "secret"},
                                headers=brand.admin)).json()["key"]
    headers = keyed({"Authorization": f"Bearer {second}"}, "revoke-2")  # the same brand
    revoked = [await client.post(url, headers=headers) for _ in range(2)]
    assert_replayed(*revoked)
    assert revoked[0].json()["revoked_at"]


# --- refused, ignored and malformed keys ----------------------------------------------------


async def test_the_posts_that_show_keys_once_refuse_an_idempotency_key(
    client: AsyncTestClient, brand: Brand, db: asyncpg.Connection
) -> None:
    keys = await db.fetchval("SELECT count(*) FROM gateway.api_keys")
    brands = await db.fetchval("SELECT count(*) FROM gateway.brands")
    new_key = await client.post("/v1/admin/keys", json={"kind": "publishable"},
                                headers=keyed(brand.admin, "key-1"))
    new_brand = await client.post("/v1/platform/brands", json={"name": "Maison Deux"},
                                  headers=keyed({"Authorization": f"Bearer {PLATFORM_TOKEN}"},
                                                "brand-1"))
    for refused in (new_key, new_brand):
        assert refused.status_code == 422
        assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
            ("Idempotency-Key", "invalid_field")]
        assert "shows API keys once" in refused.json()["errors"][0]["message"]
    assert await db.fetchval("SELECT count(*) FROM gateway.api_keys") == keys
    assert await db.fetchval("SELECT count(*) FROM gateway.brands") == brands
    assert await idempotency_rows(db, brand) == 0


async def test_a_key_on_a_read_only_post_is_ignored_and_stays_free(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices,
    db: asyncpg.Connection,
) -> None:
    design = {"product_id": product, "values": {"name": "Ada"}}
    headers = keyed(brand.widget, "shared")
    for _ in range(2):
        checked = await client.post("/v1/personalization/validate", json=design, headers=headers)
        spec = await client.post("/v1/specs/validate", headers=headers,
                                 json={"document": {"product_id": product}})
        assert checked.status_code == spec.status_code == 200
        assert "idempotent-replayed" not in checked.headers
        assert "idempotent-replayed" not in spec.headers
    assert services.count(VALIDATE_SPEC) == 2
    assert await idempotency_rows(db, brand) == 0
    # the key was never claimed: a mutating POST may use it
    stored = [await client.post("/v1/specs", json=design, headers=headers) for _ in range(2)]
    assert_replayed(*stored)


async def test_a_malformed_key_is_refused_before_anything_runs(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    product = {"name": "Ring", "zones": [zone()]}
    for bad in ("x" * 256, ""):
        refused = await client.post("/v1/admin/products", headers=keyed(brand.admin, bad),
                                    json=product)
        assert refused.status_code == 400
        assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
            ("Idempotency-Key", "invalid_field")]
    assert services.count(CREATE_PRODUCT) == 0


# --- the contract ---------------------------------------------------------------------------


def test_the_key_is_bound_to_the_path_parameters_and_old_fingerprints_hold() -> None:
    route, lock = "POST /v1/admin/snapshots/{snapshot_id}/lock", {"reason": "order:1"}
    assert domain.request_hash(route, lock, {"snapshot_id": "a"}) != \
        domain.request_hash(route, lock, {"snapshot_id": "b"})
    # a key of POST /v1/snapshots remembered before path parameters counted still replays
    design = {"values": {}, "product_id": "p"}
    before = hashlib.sha256(b'POST /v1/snapshots\n{"product_id":"p","values":{}}').hexdigest()
    assert domain.request_hash("POST /v1/snapshots", design, {}) == before


def test_the_openapi_document_shows_which_posts_take_a_key(
    settings_of: Callable[..., Any]
) -> None:
    paths = create_app(settings_of("gateway")).openapi_schema.to_schema()["paths"]
    described = {
        path: next(p["description"] for p in item["post"].get("parameters", [])
                   if p["name"] == "Idempotency-Key" and p["in"] == "header")
        for path, item in paths.items()
        if "post" in item and any(p["name"] == "Idempotency-Key"
                                  for p in item["post"].get("parameters", []))
    }
    # the two that refuse one do not offer it (their descriptions say why)
    assert {"/v1/admin/keys", "/v1/platform/brands"}.isdisjoint(described)
    assert "Idempotency-Key" in paths["/v1/admin/keys"]["post"]["description"]
    assert set(described) == {
        "/v1/admin/products", "/v1/admin/products/{product_id}/templates", "/v1/admin/fonts",
        "/v1/specs", "/v1/admin/snapshots/{snapshot_id}/validate",
        "/v1/admin/snapshots/{snapshot_id}/lock", "/v1/admin/keys/{key_id}/revoke",
        "/v1/snapshots", "/v1/orders/{order_id}/items/{item_id}/release",
        "/v1/manufacturing/export-pack", "/v1/manufacturing/work-orders/{work_order_id}/export",
        "/v1/orders/{order_id}/ship", "/v1/admin/notifications/suppressions",
        "/v1/payments/intents",
    }
