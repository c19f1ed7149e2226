"""The personalization service running on real Postgres and NATS, and builders of products."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from atelier.contracts.catalog import CREATE_PRODUCT
from atelier.contracts.personalization import CreateProduct, Product, TextZone
from atelier.kit.runtime import Runtime
from atelier.kit.testing.plugin import running, unique
from atelier.personalization.bootstrap import bootstrap

ZoneBuilder = Callable[..., TextZone]
Create = Callable[..., Awaitable[Product]]


def a_zone(key: str = "name", *fonts: str, **rules: Any) -> TextZone:
    """A 60 × 12 mm engraving zone offering ``fonts`` (default DejaVu Sans) at 2–8 mm."""
    return TextZone.model_validate({
        "key": key,
        "label": key.capitalize(),
        "width_mm": 60,
        "height_mm": 12,
        "safe_mm": 1,
        "fonts": [
            {"font_id": font_id, "min_size_mm": 2, "max_size_mm": 8}
            for font_id in fonts or ("dejavu-sans",)
        ],
        "colours": ["#000000", "#AA0000"],
        "rules": {"max_length": 20, **rules},
    })


@pytest.fixture
def make_zone() -> ZoneBuilder:
    return a_zone


@pytest.fixture
def brand() -> str:
    return unique("brand-")


@pytest.fixture
async def service(settings_of) -> AsyncIterator[Runtime]:  # type: ignore[no-untyped-def]
    # no housekeeping: its first round (purges, sweeps) would run its statements at a moment of
    # its own, in the middle of a test that counts the service's statements
    settings = settings_of("personalization", run_housekeeping=False)
    async with running(bootstrap(settings)) as runtime:
        yield runtime


@pytest.fixture
def create_product(client_bus) -> Create:  # type: ignore[no-untyped-def]
    """Create a product of a brand through the bus (default: a name zone and an optional date)."""

    async def create(brand: str, *zones: TextZone, name: str = "Engraved ring") -> Product:
        zones = zones or (
            a_zone("name", "dejavu-sans", "dejavu-serif"),
            a_zone("date", "dejavu-serif", required=False, max_length=10,
                   allowed_classes=["digits", "punctuation"]),
        )
        return await client_bus.call(
            CREATE_PRODUCT, CreateProduct(name=name, zones=list(zones)), brand_id=brand
        )

    return create
