"""The generated OpenAPI document: every body the API reads or writes is in it."""

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from atelier.contracts.commerce import ProductPrice
from atelier.contracts.personalization import (
    ZONE_KEY,
    CreateProduct,
    FontOption,
    TextRules,
    TextZone,
    ValidationResult,
    WordList,
    ZoneInput,
)
from atelier.contracts.spec import HEX_COLOUR, DesignSpec, SpecZone
from atelier.contracts.types import ID_PATTERN
from atelier.gateway import schemas
from atelier.gateway.app import create_app


@pytest.fixture
def document(settings_of: Callable) -> dict[str, Any]:
    return create_app(settings_of("gateway")).openapi_schema.to_schema()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, item in document["paths"].items()
            for method, op in item.items()]


def test_request_bodies_are_documented(document: dict[str, Any]) -> None:
    snapshots = document["paths"]["/v1/snapshots"]["post"]["requestBody"]
    products = document["paths"]["/v1/admin/products"]["post"]["requestBody"]
    assert snapshots["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Design"
    }
    assert products["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateProduct"
    }
    fonts = document["paths"]["/v1/admin/fonts"]["post"]["requestBody"]["content"]
    assert fonts["font/sfnt"]["schema"]["type"] == "string"
    without = [(m, p) for m, p, op in operations(document)
               if m in ("PUT", "POST") and "requestBody" not in op]
    # the lifecycle's approval, a key's revocation, a held item's release, a bundle made
    # again, an email's preview (all in its path) and an unsubscribe (its signed token in the
    # link, posted as the one-click RFC 8058 form) are the only writes that carry nothing
    assert sorted(without) == [("POST", "/v1/admin/keys/{key_id}/revoke"),
                               ("POST", "/v1/admin/notifications/templates/{template}/preview"),
                               ("POST", "/v1/admin/snapshots/{snapshot_id}/validate"),
                               ("POST", "/v1/email/unsubscribe"),
                               ("POST", "/v1/manufacturing/work-orders/{work_order_id}/export"),
                               ("POST", "/v1/orders/{order_id}/items/{item_id}/release")]


def test_success_bodies_and_problems_are_documented(document: dict[str, Any]) -> None:
    for method, path, op in operations(document):
        success = next(r for code, r in op["responses"].items() if code.startswith("2"))
        assert success["content"], (method, path)
        problems = {code: r for code, r in op["responses"].items() if code >= "400"}
        for code, response in problems.items():
            assert list(response["content"]) == ["application/problem+json"], (method, path, code)
    components = document["components"]["schemas"]
    assert set(components["Validation"]["properties"]) == set(ValidationResult.model_fields) - {
        "design"
    }
    assert set(components["Design"]["properties"]) == {"product_id", "values"}


# --- the document states what the server enforces ----------------------------------------


def test_a_design_s_values_are_an_object_of_texts_or_zone_inputs(document: dict[str, Any]) -> None:
    values = document["components"]["schemas"]["Design"]["properties"]["values"]
    assert values["type"] == "object" and values["maxProperties"] == 50
    assert values["additionalProperties"] == {
        "anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/ZoneInput"}]}


@pytest.mark.parametrize("model", [
    schemas.Design, schemas.Template, schemas.CreateBrand, schemas.BrandOrigins, schemas.Lock,
    schemas.NewKey, schemas.SpecDocument, CreateProduct, TextZone, FontOption, TextRules,
    ZoneInput, WordList, DesignSpec, SpecZone,
])
def test_each_body_is_documented_by_the_schema_of_the_model_that_checks_it(
    document: dict[str, Any], model: type[BaseModel]
) -> None:
    published = document["components"]["schemas"][model.__name__]
    enforced = model.model_json_schema(ref_template="#/components/schemas/{model}")
    enforced.pop("$defs", None)
    assert published == _as_litestar_writes_it(enforced)


def _as_litestar_writes_it(schema: Any) -> Any:
    """The same schema in Litestar's spelling: no ``"default": null`` (no default means the same
    here), and a reference with keywords beside it wrapped in ``allOf``."""
    if isinstance(schema, list):
        return [_as_litestar_writes_it(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    spelled = {key: _as_litestar_writes_it(value) for key, value in schema.items()
               if not (key == "default" and value is None)}
    if "$ref" in spelled and len(spelled) > 1:
        spelled["allOf"] = [{"$ref": spelled.pop("$ref")}]
    return spelled


def test_patterns_bounds_and_extra_fields_are_published(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    zone = components["TextZone"]
    assert zone["properties"]["key"]["pattern"] == ZONE_KEY
    assert zone["properties"]["colours"]["items"]["pattern"] == HEX_COLOUR
    assert zone["additionalProperties"] is False and components["Design"]["additionalProperties"] \
        is False
    assert components["Design"]["properties"]["product_id"]["pattern"] == ID_PATTERN
    version = next(p for p in document["paths"]["/v1/admin/products/{product_id}"]["get"]
                   ["parameters"] if p["name"] == "version")
    assert version["schema"]["maximum"] == 2**31 - 1
    for path, method in (("/v1/snapshots/{snapshot_id}", "get"),
                         ("/v1/admin/keys/{key_id}/revoke", "post")):
        [parameter] = [p for p in document["paths"][path][method]["parameters"]
                       if p["in"] == "path"]
        assert parameter["schema"]["pattern"] == ID_PATTERN


def test_who_may_call_each_operation_is_published(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["widgetKey"] == {"type": "apiKey", "in": "header", "name": "X-Atelier-Key",
                                    "description": schemes["widgetKey"]["description"]}
    assert {schemes[name]["scheme"] for name in ("secretKey", "brandUser", "platform")} == \
        {"bearer"}
    # a download's signed link is its own credential, and so is an unsubscribe link's
    public = {("GET", "/v1/assets/{key}"), ("GET", "/v1/fonts/{font_id}"),
              ("GET", "/v1/downloads/{key}"), ("GET", "/v1/email/unsubscribe"),
              ("POST", "/v1/email/unsubscribe"), ("GET", "/widget/manifest.json"),
              ("GET", "/widget/{version}/{file}")}
    for method, path, op in operations(document):
        if (method, path) in public:
            assert "security" not in op
        elif path.startswith(("/v1/admin/", "/v1/orders", "/v1/manufacturing/")):  # the brand's
            assert op["security"] == [{"secretKey": []}, {"brandUser": []}], path
        elif path.startswith("/v1/platform/"):
            assert op["security"] == [{"platform": []}]
        else:
            assert op["security"] == [{"widgetKey": []}, {"secretKey": []}], path


def test_what_is_made_links_to_where_it_is_read(document: dict[str, Any]) -> None:
    def links(path: str) -> dict[str, Any]:
        return document["paths"][path]["post"]["responses"]["201"]["links"]

    assert links("/v1/snapshots")["snapshot"] == {
        "operationId": "snapshot", "parameters": {"snapshot_id": "$response.body#/id"}}
    assert links("/v1/specs")["spec"]["operationId"] == "spec"
    assert links("/v1/admin/products")["product"]["operationId"] == "product"
    assert links("/v1/admin/keys")["revoke"]["operationId"] == "revoke_api_key"
    ids = {op["operationId"] for _, _, op in operations(document)}
    for path in ("/v1/snapshots", "/v1/specs", "/v1/admin/products", "/v1/admin/keys"):
        assert {link["operationId"] for link in links(path).values()} <= ids


def test_every_operation_has_examples(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    for method, path, op in operations(document):
        for parameter in op.get("parameters", []):
            assert parameter.get("examples") or parameter["schema"].get("examples"), \
                (method, path, parameter["name"])
        for content in op.get("requestBody", {}).get("content", {}).values():
            schema = content["schema"]
            if "$ref" in schema:
                schema = components[schema["$ref"].rsplit("/", 1)[-1]]
            assert schema.get("examples") or content.get("examples"), (method, path)


def test_a_map_keyed_by_a_pattern_allows_no_other_key(document: dict[str, Any]) -> None:
    """pydantic refuses a key that matches none of a map's patterns: the document says so."""
    def maps(node: Any) -> list[dict[str, Any]]:
        if isinstance(node, list):
            return [m for item in node for m in maps(item)]
        if not isinstance(node, dict):
            return []
        found = [node] if "patternProperties" in node else []
        return found + [m for value in node.values() for m in maps(value)]

    keyed = maps(document)
    assert len(keyed) >= 4  # prices' surcharges, email texts (two levels), widget event props
    assert all(m.get("additionalProperties") is False for m in keyed)


@pytest.mark.parametrize(("amount", "taken"), [
    ("2450", 2450), ("2450.0", 2450), ("0e0", 0),  # JSON Schema's integers, all of them
    ("2450.5", None), ("true", None), ('"2450"', None), ("-1.0", None), ("1e13", None),
])
def test_an_integer_is_a_json_number_without_a_fraction(amount: str, taken: int | None) -> None:
    body = f'{{"currency": "EUR", "amount_minor": {amount}, "zone_surcharges": {{"name": 5.0}}}}'
    if taken is None:
        with pytest.raises(ValidationError):
            ProductPrice.model_validate_json(body)
    else:
        price = ProductPrice.model_validate_json(body)
        assert price.amount_minor == taken and type(price.amount_minor) is int
        assert price.zone_surcharges == {"name": 5}
