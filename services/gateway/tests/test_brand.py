"""A brand's own settings through the admin API: its storefront origins, which the widget's CORS
check follows at once in this process; nothing of another brand is reachable or changed."""

import asyncpg
from litestar.testing import AsyncTestClient

from .conftest import SHOP, Brand, make_brand
from .test_access import codes
from .test_tokens import claims, hs256
from .test_tokens import settings as settings  # brand users' tokens verified with SECRET

NEW_SHOP = "https://new-shop.example"


async def test_the_brand_is_read_with_its_origins(client: AsyncTestClient, brand: Brand) -> None:
    read = await client.get("/v1/admin/brand", headers=brand.admin)
    assert read.status_code == 200, read.text
    assert read.json() == {"id": brand.id, "name": "Maison Test", "allowed_origins": [SHOP]}


async def test_new_origins_take_effect_for_the_widget_at_once(
    client: AsyncTestClient, brand: Brand, product: str, db: asyncpg.Connection
) -> None:
    config = f"/v1/widget/products/{product}/config"
    # the widget's key is in use from the old shop (its grant, origins included, is cached)
    assert (await client.get(config, headers={**brand.widget, "Origin": SHOP})).status_code == 200

    changed = await client.put("/v1/admin/brand/allowed-origins", headers=brand.admin,
                               json={"allowed_origins": ["https://New-Shop.example:443/",
                                                         NEW_SHOP, "http://localhost:3000"]})

    assert changed.status_code == 200, changed.text
    assert changed.json()["allowed_origins"] == [NEW_SHOP, "http://localhost:3000"]
    stored = await db.fetchval("SELECT allowed_origins FROM gateway.brands WHERE id = $1",
                               brand.id)
    assert stored == [NEW_SHOP, "http://localhost:3000"]
    allowed = await client.get(config, headers={**brand.widget, "Origin": NEW_SHOP})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == NEW_SHOP
    refused = await client.get(config, headers={**brand.widget, "Origin": SHOP})
    assert (refused.status_code, codes(refused)) == (403, ["origin_not_allowed"])


async def test_a_bad_origin_is_refused_and_nothing_changes(
    client: AsyncTestClient, brand: Brand
) -> None:
    # 422: the schema allows it, the rule of what an origin is refuses it; 400: off the schema
    for body, field, status in (
        ({"allowed_origins": ["https://shop.example/cart"]}, "allowed_origins", 422),
        ({"allowed_origins": ["ftp://shop.example"]}, "allowed_origins", 422),
        ({"allowed_origins": [SHOP] * 51}, "allowed_origins", 400),
        ({}, "allowed_origins", 400),
        ({"allowed_origins": [SHOP], "brand_id": "x"}, "brand_id", 400),
    ):
        refused = await client.put("/v1/admin/brand/allowed-origins", headers=brand.admin,
                                   json=body)
        assert refused.status_code == status, body
        assert [(e["field"].split(".")[0], e["code"]) for e in refused.json()["errors"]] == [
            (field, "invalid_field")], refused.text
    read = await client.get("/v1/admin/brand", headers=brand.admin)
    assert read.json()["allowed_origins"] == [SHOP]


async def test_only_the_brands_admins_change_its_own_origins(
    client: AsyncTestClient, brand: Brand
) -> None:
    other = await make_brand(client, origins=("https://other.example",))
    body = {"allowed_origins": [NEW_SHOP]}
    widget = await client.put("/v1/admin/brand/allowed-origins", headers=brand.widget, json=body)
    assert (widget.status_code, codes(widget)) == (403, ["wrong_key_kind"])
    viewer = hs256(claims(brand.id, role="viewer"))
    assert (await client.get("/v1/admin/brand", headers=viewer)).status_code == 200
    read_only = await client.put("/v1/admin/brand/allowed-origins", headers=viewer, json=body)
    assert (read_only.status_code, codes(read_only)) == (403, ["role_not_allowed"])
    admin = hs256(claims(brand.id))
    assert (await client.put("/v1/admin/brand/allowed-origins", headers=admin,
                             json=body)).status_code == 200
    theirs = (await client.get("/v1/admin/brand", headers=other.admin)).json()
    assert theirs == {"id": other.id, "name": "Maison Test",
                      "allowed_origins": ["https://other.example"]}
