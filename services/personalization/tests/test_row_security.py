"""Row-level security walls off each brand's products, templates, fonts and word lists
(DESIGN §8)."""

from atelier.kit.testing.checks import assert_brand_isolation


async def test_a_query_without_a_brand_filter_sees_only_its_brands_rows(settings_of) -> None:
    await assert_brand_isolation(settings_of("personalization"),
                                 values={"widget_events": {"name": "widget_loaded"}})
