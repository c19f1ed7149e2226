"""The generated OpenAPI document: every body the API reads or writes is in it."""

from collections.abc import Callable
from typing import Any

import pytest

from atelier.contracts.personalization import ValidationResult
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
    # the lifecycle's approval and a key's revocation are the only writes that carry nothing
    assert sorted(without) == [("POST", "/v1/admin/keys/{key_id}/revoke"),
                               ("POST", "/v1/admin/snapshots/{snapshot_id}/validate")]


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
