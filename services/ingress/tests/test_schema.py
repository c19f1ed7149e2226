from atelier.ingress import models
from atelier.ingress.bootstrap import bootstrap
from atelier.kit.testing.checks import assert_service_schema, assert_starts_ready_and_stops


async def test_migration_creates_the_tenant_tables_of_the_models(database_url) -> None:
    await assert_service_schema(database_url, models.Base.metadata,
                                {"webhook_events", "shopify_shops", "stripe_payment_intents"})


async def test_runtime_starts_is_ready_and_stops(settings_of) -> None:
    await assert_starts_ready_and_stops(bootstrap(settings_of("ingress")))
