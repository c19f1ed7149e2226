"""Money read from the shops exactly: minor units per ISO 4217, quantities and discounts."""

import pytest

from atelier.commerce import domain
from atelier.contracts.money import to_minor
from atelier.contracts.spec import DesignSpecV1


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


# --- an item's price from its design (Stripe payments) ------------------------------------------
SURCHARGES = {"name": 500, "date": 250}


@pytest.mark.parametrize(("currency", "price", "surcharges", "used", "quantity", "discount",
                          "unit", "total"), [
    # ¥4500 + ¥800 engraving, three of them, ¥1000 off
    ("JPY", "4500", {"name": "800"}, {"name"}, 3, "1000", 5300, 14_900),
    # 12.250 KD + 1.500 KD, two, 0.005 KD off: fils, exactly
    ("KWD", "12.250", {"name": "1.500"}, {"name"}, 2, "0.005", 13_750, 27_495),
    # 24.50 € with both zones used
    ("EUR", "24.50", {"name": "5.00", "date": "2.50"}, {"name", "date"}, 1, "0", 3200, 3200),
    # a zone used that has no surcharge adds nothing; none used, the product's price
    ("USD", "19.99", {"name": "5.00"}, {"monogram"}, 4, "0.96", 1999, 7900),
    ("EUR", "0.10", {}, set(), 3, "0", 10, 30),
])
def test_an_items_price_is_the_products_plus_the_zones_it_uses(
    currency: str, price: str, surcharges: dict[str, str], used: set[str], quantity: int,
    discount: str, unit: int, total: int
) -> None:
    assert domain.item_total(
        to_minor(price, currency), {k: to_minor(v, currency) for k, v in surcharges.items()},
        used, quantity, to_minor(discount, currency)) == (unit, total)


def test_a_discount_beyond_the_line_or_a_negative_price_is_refused() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        domain.item_total(1000, SURCHARGES, {"name"}, 1, 1501)
    with pytest.raises(ValueError):
        domain.item_total(-1, {}, set(), 1)
    with pytest.raises(ValueError):
        domain.item_total(1000, {}, set(), 0)


def test_the_zones_used_are_those_with_a_text() -> None:
    spec = DesignSpecV1.model_validate({
        "product_id": "prod-pen", "template_version": 1, "zones": [
            zone("name", "Ada"), zone("date", "   "), zone("monogram", "")]})
    assert domain.filled_zones(spec) == {"name"}


def zone(key: str, text: str) -> dict:
    return {"key": key, "text": text, "layer": "engrave", "width_mm": 40, "height_mm": 8,
            "bleed_mm": 0, "safe_mm": 0, "font": {"id": "dejavu-sans", "sha256": "0" * 64},
            "size_mm": 4, "colour": "#000000", "align": "center", "line_height": 1.2,
            "max_lines": 1}
