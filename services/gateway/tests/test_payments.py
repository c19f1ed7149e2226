"""Prices and payment intents at the gateway: what is refused before any service is asked (the
priced path itself runs end to end in ``tests-e2e/tests/test_payments.py``)."""

import pytest
from litestar.testing import AsyncTestClient

from .conftest import Brand
from .test_access import codes

PAY = "/v1/payments/intents"
ITEM = {"snapshot_id": "0193a5c6-7b1d-7d2e-9a3f-4c5d6e7f8a9b", "quantity": 1}


@pytest.mark.parametrize(("body", "field"), [
    ({"currency": "EUR", "amount_minor": 2450, "zone_surcharges": {"monogram": 500}},
     "zone_surcharges.monogram"),  # the product has the zone "name" only
    ({"currency": "XYZ", "amount_minor": 2450}, "currency"),  # not an ISO 4217 currency
    ({"currency": "eur", "amount_minor": 2450}, "currency"),
    ({"currency": "EUR", "amount_minor": -1}, "amount_minor"),
    ({"currency": "EUR", "amount_minor": 24.5}, "amount_minor"),  # minor units are integers
    ({"currency": "EUR", "amount_minor": False}, "amount_minor"),  # JSON's false is not 0
    ({"currency": "EUR", "amount_minor": "2450"}, "amount_minor"),
    ({"currency": "EUR", "amount_minor": 10**13}, "amount_minor"),
    ({"currency": "EUR", "amount_minor": 1, "zone_surcharges": {"name": -5}},
     "zone_surcharges.name"),
])
async def test_a_bad_price_is_refused_with_the_field(
    client: AsyncTestClient, brand: Brand, product: str, body: dict, field: str
) -> None:
    response = await client.put(f"/v1/admin/products/{product}/price", json=body,
                                headers=brand.admin)
    assert response.status_code in (400, 422), response.text
    assert any(e["field"].startswith(field) for e in response.json()["errors"]), response.text


async def test_a_price_is_set_by_the_brands_admins_only(
    client: AsyncTestClient, brand: Brand, product: str
) -> None:
    response = await client.put(f"/v1/admin/products/{product}/price", headers=brand.widget,
                                json={"currency": "EUR", "amount_minor": 2450})
    assert response.status_code == 403


@pytest.mark.parametrize(("body", "code"), [
    ({"items": [ITEM], "amount": 1}, "amount"),  # the amount is never the client's
    ({"items": [ITEM], "currency": "EUR"}, "currency"),
    ({"items": []}, "items"),
    ({"items": [ITEM, ITEM]}, "items"),  # one line per snapshot
    ({"items": [{**ITEM, "quantity": 0}]}, "items"),
    ({"items": [{**ITEM, "quantity": True}]}, "items"),
    ({"items": [ITEM], "email": "not an email"}, "email"),
])
async def test_a_bad_payment_request_is_refused_before_any_service_is_asked(
    client: AsyncTestClient, brand: Brand, body: dict, code: str
) -> None:
    response = await client.post(PAY, json=body, headers={**brand.widget,
                                                           "Idempotency-Key": "k-1"})
    assert response.status_code in (400, 422), response.text
    assert any(code in e["field"] for e in response.json()["errors"]), response.text


async def test_a_payment_intent_needs_a_key(client: AsyncTestClient) -> None:
    response = await client.post(PAY, json={"items": [ITEM]})
    assert response.status_code == 401
    assert codes(response) == ["missing_api_key"]
