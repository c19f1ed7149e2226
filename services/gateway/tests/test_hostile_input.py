"""Input built to break the server gets a clear 4xx, at the root of each class, before any service
or database sees it: deep JSON, NUL characters, integers past PostgreSQL's, non-finite numbers,
bodies that are not JSON."""

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from atelier.gateway.bodies import is_json

from .conftest import JSON, Brand, FakeServices, zone
from .test_access import codes

DESIGN = "/v1/personalization/validate"


async def test_deeply_nested_json_is_malformed_not_a_crash(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    deep = b'{"product_id": "p", "values": {"name": ' + b"[" * 5000 + b"]" * 5000 + b"}}"
    # a lone surrogate first, then the depth: the surrogate's search must not crash either
    both = (b'{"product_id": "p", "values": {"name": "\\ud800"}, "x": ' + b"[" * 5000
            + b"]" * 5000 + b"}")
    for body in (deep, both):
        response = await client.post(DESIGN, content=body, headers={**brand.widget, **JSON})
        assert (response.status_code, codes(response)) == (400, ["malformed_json"])
    assert services.calls == []


@pytest.mark.parametrize("path", [
    "/v1/admin/products/a%00b",
    "/v1/admin/keys/a%00b/revoke",
    "/v1/admin/snapshots/a%00b/validate",
])
async def test_a_nul_in_a_path_id_is_refused(
    client: AsyncTestClient, brand: Brand, services: FakeServices, path: str
) -> None:
    method = client.get if path.startswith("/v1/admin/products") else client.post
    response = await method(path, headers=brand.admin)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert services.calls == []


async def test_a_nul_in_a_body_id_or_a_name_is_refused(
    client: AsyncTestClient, brand: Brand, services: FakeServices, db: asyncpg.Connection
) -> None:
    refused = [
        await client.post(DESIGN, headers=brand.widget,
                          json={"product_id": "a\u0000b", "values": {"name": "Ada"}}),
        await client.post("/v1/admin/products", headers=brand.admin,
                          json={"name": "Ring\u0000", "zones": [zone()]}),
        await client.post("/v1/admin/products", headers=brand.admin,
                          json={"name": "Ring", "zones": [zone(label="Na\u0000me")]}),
        await client.put("/v1/admin/brand/allowed-origins", headers=brand.admin,
                         json={"allowed_origins": ["https://sh\u0000op.example"]}),
    ]
    assert [r.status_code for r in refused] == [400] * len(refused), [r.text for r in refused]
    assert all(codes(r) == ["invalid_field"] for r in refused)
    assert services.calls == []
    assert await db.fetchval("SELECT allowed_origins FROM gateway.brands WHERE id=$1",
                             brand.id) == ["https://shop.example"]


async def test_integers_past_the_database_are_refused_by_their_bounds(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    too_far = await client.get(f"/v1/admin/products/{product}?version={2**31}",
                               headers=brand.admin)
    last = await client.get(f"/v1/admin/products/{product}?version={2**31 - 1}",
                            headers=brand.admin)
    huge_rule = await client.post("/v1/admin/products", headers=brand.admin, json={
        "name": "Ring", "zones": [zone(max_length=10**20)]})
    assert too_far.status_code == 400 and codes(too_far) == ["invalid_field"]
    assert last.status_code == 404  # within the bounds: a version that does not exist
    assert huge_rule.status_code == 400


# non-finite numbers, and JSON values that are not numbers but that a lax parser takes for one
@pytest.mark.parametrize("number", [b"Infinity", b"-Infinity", b"NaN", b"1e309", b"false",
                                    b"true", b'"12"'])
async def test_only_finite_json_numbers_are_taken_as_sizes(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices, number: bytes
) -> None:
    before = len(services.calls)  # the product's creation
    size = (b'{"product_id": "' + product.encode() + b'", "values": {"name": '
            b'{"text": "Ada", "size_mm": ' + number + b"}}}")
    zone_width = (b'{"name": "Ring", "zones": [{"key": "name", "label": "Name", "width_mm": '
                  + number + b', "height_mm": 10, "fonts": [{"font_id": "dejavu-sans", '
                  b'"min_size_mm": 2, "max_size_mm": 5}], "rules": {"max_length": 5}}]}')
    for path, body, headers in ((DESIGN, size, brand.widget),
                                ("/v1/admin/products", zone_width, brand.admin)):
        response = await client.post(path, content=body, headers={**headers, **JSON})
        assert response.status_code == 400, response.text
        assert codes(response) == ["invalid_field"]
    assert len(services.calls) == before


async def test_a_json_route_refuses_a_body_that_is_not_json(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    before = len(services.calls)  # the product's creation
    body = f'{{"product_id": "{product}", "values": {{"name": "Ada"}}}}'
    refused = [await client.post(DESIGN, content=body, headers={**brand.widget, **headers})
               for headers in ({"Content-Type": "text/plain"},
                               {"Content-Type": "application/x-www-form-urlencoded"},
                               {"Content-Type": "application/jsonx"},
                               {})]
    accepted = [await client.post(DESIGN, content=body, headers={**brand.widget, **headers})
                for headers in ({"Content-Type": "application/json; charset=utf-8"},
                                {"Content-Type": "Application/JSON"},
                                {"Content-Type": "application/merge-patch+json"})]
    assert [(r.status_code, codes(r)) for r in refused] == \
        [(415, ["unsupported_media_type"])] * len(refused)
    assert [r.status_code for r in accepted] == [200] * len(accepted)
    assert len(services.calls) == before + len(accepted)


def test_what_counts_as_json() -> None:
    assert is_json("application/json") and is_json("application/problem+json; charset=utf-8")
    assert not is_json(None) and not is_json("text/json") and not is_json("application/jsonp")


async def test_options_names_every_method_of_the_path(client: AsyncTestClient) -> None:
    fonts = await client.options("/v1/admin/fonts")
    keys = await client.options("/v1/admin/keys")
    assert fonts.status_code == 204 and fonts.headers["allow"] == "GET, OPTIONS, POST"
    assert keys.headers["allow"] == "GET, OPTIONS, POST"
