"""Row-level security walls off each brand's orders, items, payments and mappings (DESIGN §8)."""

from atelier.kit.testing.checks import assert_brand_isolation


async def test_a_query_without_a_brand_filter_sees_only_its_brands_rows(settings_of) -> None:
    euros = {"currency": "EUR"}
    await assert_brand_isolation(
        settings_of("commerce"),
        values={"orders": euros, "order_items": euros, "payments": euros, "prices": euros})
