"""Money read from the shops exactly: minor units per ISO 4217, quantities and discounts."""

import pytest

from atelier.commerce import domain
from atelier.contracts.money import to_minor


@pytest.mark.parametrize(("amount", "currency", "minor"), [
    ("24.00", "EUR", 2400), ("0.10", "USD", 10), ("1000", "JPY", 1000), ("1000.00", "JPY", 1000),
    ("1.250", "KWD", 1250), ("0.005", "BHD", 5), ("19.99", "eur", 1999),
    ("123456789.99", "USD", 12345678999)])
def test_amounts_become_exact_minor_units(amount: str, currency: str, minor: int) -> None:
    assert to_minor(amount, currency) == minor


@pytest.mark.parametrize(("amount", "currency"), [
    ("10.5", "JPY"), ("1.2345", "KWD"), ("0.001", "EUR"), ("abc", "EUR"), ("NaN", "EUR"),
    ("Infinity", "USD")])
def test_what_would_need_rounding_is_refused(amount: str, currency: str) -> None:
    with pytest.raises(ValueError):
        to_minor(amount, currency)


def line(price: str, quantity: int, discounts: list[str]) -> dict:
    return {"id": 1, "title": "Pen", "product_id": 5, "price": price, "quantity": quantity,
            "discount_allocations": [{"amount": d} for d in discounts], "properties": []}


@pytest.mark.parametrize(("currency", "price", "quantity", "discounts", "total"), [
    ("EUR", "24.00", 3, ["5.00", "0.10"], 6690),
    ("JPY", "1980", 2, ["200"], 3760),
    ("KWD", "3.125", 4, ["0.500"], 12000),
    ("USD", "0.10", 3, [], 30),  # 0.1 × 3 is not 0.30000000000000004 here
])
def test_a_lines_total_is_its_price_times_quantity_less_its_discounts(
    currency: str, price: str, quantity: int, discounts: list[str], total: int
) -> None:
    order = domain.shopify_order({"id": 9, "currency": currency, "total_price": "0",
                                  "line_items": [line(price, quantity, discounts)]})
    assert order.lines[0].total_minor == total


def test_an_order_that_cannot_be_read_says_why() -> None:
    with pytest.raises(domain.NotAnOrder, match="currency"):
        domain.shopify_order({"id": 1, "total_price": "1.00"})
    with pytest.raises(domain.NotAnOrder):
        domain.shopify_order({"id": 1, "currency": "JPY", "total_price": "1.5"})
