from atelier.kit.testing.checks import assert_service_schema, assert_starts_ready_and_stops
from atelier.manufacturing import models
from atelier.manufacturing.bootstrap import bootstrap


async def test_migration_creates_the_tenant_tables_of_the_models(database_url) -> None:
    await assert_service_schema(database_url, models.Base.metadata,
                                {"work_orders", "bundles", "output_profiles", "product_profiles"})


async def test_runtime_starts_is_ready_and_stops(settings_of) -> None:
    await assert_starts_ready_and_stops(bootstrap(settings_of("manufacturing")))
