"""Brands, API keys, tenancy and CORS."""

import asyncio
from collections.abc import Callable

import asyncpg
from litestar.testing import AsyncTestClient

from atelier.contracts.catalog import (
    CREATE_PRODUCT,
    CREATE_SNAPSHOT,
    GET_PRODUCT_CONFIG,
    VALIDATE_DESIGN,
)
from atelier.gateway import auth, domain
from atelier.gateway.app import before_request, create_app
from atelier.gateway.settings import GatewaySettings
from atelier.kit.testing.plugin import unique

from .conftest import JSON, PLATFORM_TOKEN, SHOP, Brand, FakeServices, make_brand, make_product


def codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["code"] for e in response.json()["errors"]]


async def test_bootstrap_brand_shows_keys_once_and_stores_them_hashed(
    client: AsyncTestClient, db: asyncpg.Connection
) -> None:
    response = await client.post(
        "/v1/platform/brands",
        json={"name": "Maison", "allowed_origins": ["https://Shop.Example/", "http://localhost:3000"]},
        headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"},
    )
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["allowed_origins"] == ["https://shop.example", "http://localhost:3000"]
    assert body["publishable_key"].startswith("pk_") and body["secret_key"].startswith("sk_")
    rows = await db.fetch(
        "SELECT kind, key_prefix, key_hash FROM gateway.api_keys WHERE brand_id=$1 ORDER BY kind",
        body["id"],
    )
    assert [(r["kind"], r["key_prefix"], r["key_hash"]) for r in rows] == [
        ("publishable", body["publishable_key"][:12], domain.hash_key(body["publishable_key"])),
        ("secret", body["secret_key"][:12], domain.hash_key(body["secret_key"])),
    ]
    stored = await db.fetchval("SELECT count(*) FROM gateway.api_keys WHERE key_hash=$1 "
                               "OR key_hash=$2", body["secret_key"], body["publishable_key"])
    assert stored == 0  # never the key itself


async def test_platform_token_is_required_and_checked(
    client: AsyncTestClient, db: asyncpg.Connection
) -> None:
    name = unique("brand-")
    missing = await client.post("/v1/platform/brands", json={"name": name})
    wrong = await client.post("/v1/platform/brands", json={"name": name},
                              headers={"Authorization": "Bearer not-the-token"})
    assert (missing.status_code, codes(missing)) == (401, ["missing_api_key"])
    assert (wrong.status_code, codes(wrong)) == (401, ["invalid_api_key"])
    assert await db.fetchval("SELECT count(*) FROM gateway.brands WHERE name=$1", name) == 0


async def test_platform_api_does_not_exist_without_a_token(settings_of: Callable) -> None:
    async with AsyncTestClient(app=create_app(settings_of("gateway"))) as client:
        response = await client.post("/v1/platform/brands", json={"name": "x"},
                                     headers={"Authorization": "Bearer "})
    assert response.status_code == 404


async def test_brand_with_a_bad_origin_is_refused(client: AsyncTestClient) -> None:
    response = await client.post(
        "/v1/platform/brands",
        json={"name": "Maison", "allowed_origins": ["https://shop.example/cart"]},
        headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"},
    )
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("allowed_origins", "invalid_field")
    ]


async def test_keys_are_required_valid_and_of_the_right_kind(
    client: AsyncTestClient, brand: Brand, services: FakeServices, db: asyncpg.Connection
) -> None:
    product = {"name": "Ring", "zones": [{"key": "name", "label": "Name", "width_mm": 20,
                                          "height_mm": 5, "max_length": 8}]}
    missing = await client.post("/v1/admin/products", json=product)
    unknown = await client.post("/v1/admin/products", json=product,
                                headers={"Authorization": "Bearer sk_" + "x" * 32})
    publishable = await client.post("/v1/admin/products", json=product, headers=brand.widget)
    assert (missing.status_code, codes(missing)) == (401, ["missing_api_key"])
    assert (unknown.status_code, codes(unknown)) == (401, ["invalid_api_key"])
    assert (publishable.status_code, codes(publishable)) == (403, ["wrong_key_kind"])
    assert services.count(CREATE_PRODUCT) == 0

    await db.execute("UPDATE gateway.api_keys SET revoked_at=now() WHERE brand_id=$1 "
                     "AND kind='secret'", brand.id)
    revoked = await client.post("/v1/admin/products", json=product, headers=brand.admin)
    assert (revoked.status_code, codes(revoked)) == (401, ["invalid_api_key"])
    assert services.count(CREATE_PRODUCT) == 0


async def test_the_brand_comes_from_the_key_only(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    product_id = await make_product(client, brand)
    by_secret = await client.get(f"/v1/widget/products/{product_id}/config", headers=brand.admin)
    smuggled = await client.post(
        "/v1/snapshots", headers=brand.widget,
        json={"product_id": product_id, "values": {"name": "Ada"}, "brand_id": "someone-else"},
    )
    assert by_secret.status_code == 200  # a server may use its secret key on widget routes
    assert smuggled.status_code == 400  # a field the schema does not have
    assert [(e["field"], e["code"]) for e in smuggled.json()["errors"]] == [
        ("brand_id", "invalid_field")
    ]
    assert {b for _, b in services.calls} == {brand.id}
    assert services.count(CREATE_SNAPSHOT) == 0


async def test_another_brands_product_and_snapshot_are_not_found(
    client: AsyncTestClient, brand: Brand, product: str
) -> None:
    created = await client.post("/v1/snapshots", headers=brand.widget,
                                json={"product_id": product, "values": {"name": "Ada"}})
    assert created.status_code == 201
    other = await make_brand(client)
    snapshot = await client.get(f"/v1/snapshots/{created.json()['id']}", headers=other.widget)
    config = await client.get(f"/v1/widget/products/{product}/config", headers=other.widget)
    assert (snapshot.status_code, codes(snapshot)) == (404, ["not_found"])
    assert (config.status_code, codes(config)) == (404, ["not_found"])
    own = await client.get(f"/v1/snapshots/{created.json()['id']}", headers=brand.widget)
    assert own.status_code == 200


async def test_preflight_is_answered_for_any_origin(client: AsyncTestClient) -> None:
    response = await client.options(
        "/v1/snapshots",
        headers={"Origin": "https://anyone.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "x-atelier-key, idempotency-key, content-type"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://anyone.example"
    allowed = response.headers["access-control-allow-headers"].lower().replace(" ", "").split(",")
    assert {"x-atelier-key", "idempotency-key", "content-type"} <= set(allowed)
    assert "POST" in response.headers["access-control-allow-methods"]


async def test_origins_are_checked_per_brand(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    url = f"/v1/widget/products/{product}/config"
    allowed = await client.get(url, headers={**brand.widget, "Origin": SHOP})
    refused = await client.get(url, headers={**brand.widget, "Origin": "https://evil.example"})
    server = await client.get(url, headers=brand.widget)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == SHOP
    exposed = allowed.headers["access-control-expose-headers"].lower().replace(" ", "").split(",")
    assert {"retry-after", "idempotent-replayed", "etag"} <= set(exposed)  # readable by the widget
    assert "Origin" in allowed.headers.get_list("vary")
    assert (refused.status_code, codes(refused)) == (403, ["origin_not_allowed"])
    assert "access-control-allow-origin" not in refused.headers
    assert server.status_code == 200 and "access-control-allow-origin" not in server.headers
    assert services.count(GET_PRODUCT_CONFIG) == 2  # the refused request reached nobody


async def test_errors_reach_an_allowed_origin_with_cors_headers(
    client: AsyncTestClient, brand: Brand
) -> None:
    response = await client.post("/v1/snapshots", content=b"{not json",
                                 headers={**brand.widget, "Origin": SHOP, **JSON})
    assert (response.status_code, codes(response)) == (400, ["malformed_json"])
    assert response.headers["access-control-allow-origin"] == SHOP


async def test_the_key_is_checked_before_the_body_is_read(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    path = "/v1/personalization/validate"
    no_key = await client.post(path, content=b"{not json")
    empty_no_key = await client.post(path, content=b"")
    wrong_kind = await client.post("/v1/admin/products", content=b"[", headers=brand.widget)
    foreign_origin = await client.post(path, content=b"{not json",
                                       headers={**brand.widget, "Origin": "https://evil.example"})
    assert (no_key.status_code, codes(no_key)) == (401, ["missing_api_key"])
    assert (empty_no_key.status_code, codes(empty_no_key)) == (401, ["missing_api_key"])
    assert (wrong_kind.status_code, codes(wrong_kind)) == (403, ["wrong_key_kind"])
    assert (foreign_origin.status_code, codes(foreign_origin)) == (403, ["origin_not_allowed"])
    assert services.calls == []


def test_every_route_but_the_public_files_and_probes_names_who_may_call_it(
    settings: GatewaySettings,
) -> None:
    # a download's signed link is its own credential, and so is an unsubscribe link's token;
    # the widget's script is public
    public = {"/v1/assets/{key:path}", "/v1/fonts/{font_id:str}", "/v1/downloads/{key:path}",
              "/v1/email/unsubscribe", "/widget/manifest.json",
              "/widget/{version:str}/{file:path}", "/health/live", "/health/ready", "/metrics"}
    app = create_app(settings)
    handlers = [
        (f"{method} {route.path}", handler)
        for route in app.routes if route.path not in public and not route.path.startswith("/schema")
        for method, (handler, _) in getattr(route, "route_handler_map", {}).items()
        if method != "OPTIONS"
    ]
    assert [name for name, handler in handlers if auth.ACCESS not in handler.opt] == []
    # the app's hook runs the check: a route with a before_request of its own would skip it
    assert {handler.resolve_before_request() for _, handler in handlers} == {before_request}
    assert "/v1/personalization/validate" in {route.path for route in app.routes}


async def test_refused_requests_write_nothing(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices,
    db: asyncpg.Connection,
) -> None:
    design = {"product_id": product, "values": {"name": "Ada"}}
    refused = [
        await client.post("/v1/snapshots", json=design, headers={"Idempotency-Key": "k1"}),
        await client.post("/v1/snapshots", json=design,
                          headers={**brand.widget, "Idempotency-Key": "k2",
                                   "Origin": "https://evil.example"}),
        await client.post("/v1/snapshots", content=b"[1, 2",
                          headers={**brand.widget, "Idempotency-Key": "k3", **JSON}),
        await client.post("/v1/snapshots", json=design,
                          headers={**brand.widget, "Idempotency-Key": "x" * 300}),
    ]
    assert [r.status_code for r in refused] == [401, 403, 400, 400]
    assert services.count(VALIDATE_DESIGN) == services.count(CREATE_SNAPSHOT) == 0
    rows = await db.fetchval(
        "SELECT count(*) FROM gateway.idempotency_keys WHERE brand_id=$1", brand.id
    )
    assert rows == 0


async def test_a_revoked_key_stops_working_once_its_cached_grant_expires(
    settings: GatewaySettings, brand: Brand, db: asyncpg.Connection
) -> None:
    from atelier.gateway.auth import Keys
    from atelier.gateway.bootstrap import bootstrap

    keys = Keys(bootstrap(settings), ttl_s=0.2)
    first = await keys.grant(brand.secret)
    assert first is not None and first.brand_id == brand.id and first.kind == "secret"
    await db.execute("UPDATE gateway.api_keys SET revoked_at=now() WHERE brand_id=$1", brand.id)
    assert await keys.grant(brand.secret) == first  # still trusted within the TTL
    await asyncio.sleep(0.25)
    assert await keys.grant(brand.secret) is None
    await keys.runtime.db.dispose()
