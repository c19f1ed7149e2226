"""Row-level security walls off each brand's emails, settings and suppressions (DESIGN §8)."""

from atelier.kit.testing.checks import assert_brand_isolation


async def test_a_query_without_a_brand_filter_sees_only_its_brands_rows(settings_of) -> None:
    await assert_brand_isolation(settings_of("notification"), values={
        "messages": {"status": "sent", "delivery": "at_least_once"}})
