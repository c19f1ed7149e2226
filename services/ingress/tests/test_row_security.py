"""Row-level security walls off each brand's webhook events (DESIGN §8); an event whose brand is
not known yet belongs to no brand, and only the explicit cross-brand path sees or writes it."""

from atelier.kit.testing.checks import assert_brand_isolation


async def test_a_query_without_a_brand_filter_sees_only_its_brands_rows(settings_of) -> None:
    await assert_brand_isolation(
        settings_of("ingress"), values={"webhook_events": {"source": "stripe"},
                "shopify_shops": {"secret": "s" * 32}, "stripe_payment_intents": {}}
    )
