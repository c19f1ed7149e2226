"""Products and their versioned templates through the bus, on real Postgres and NATS."""

import json

import asyncpg
import pytest

from atelier.contracts import ErrorCode
from atelier.contracts.catalog import (
    CREATE_PRODUCT,
    GET_PRODUCT,
    GET_PRODUCT_CONFIG,
    PUBLISH_TEMPLATE,
    VALIDATE_DESIGN,
)
from atelier.contracts.personalization import (
    CreateProduct,
    GetProduct,
    GetProductConfig,
    PublishTemplate,
    ValidateDesign,
)
from atelier.kit.broker import namespaced_stream
from atelier.kit.db import asyncpg_dsn
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.testing.plugin import eventually, stream_messages
from atelier.typeset.fonts import SHIPPED


async def test_a_created_product_has_template_version_1_and_a_widget_config(
    service, client_bus, create_product, brand
) -> None:
    product = await create_product(brand)
    assert product.template_version == 1 and len(product.id) == 36
    assert await client_bus.call(GET_PRODUCT, GetProduct(product_id=product.id),
                                 brand_id=brand) == product

    config = await client_bus.call(
        GET_PRODUCT_CONFIG, GetProductConfig(product_id=product.id), brand_id=brand
    )
    assert (config.product_id, config.name, config.template_version) == (
        product.id, "Engraved ring", 1
    )
    assert config.zones == product.zones
    assert config.zones[0].fonts[1].font_id == "dejavu-serif"
    assert [(f.id, f.family, f.url, f.sha256, f.shipped) for f in config.fonts] == [
        ("dejavu-sans", "DejaVu Sans", "/v1/fonts/dejavu-sans", SHIPPED["dejavu-sans"].sha256,
         True),
        ("dejavu-serif", "DejaVu Serif", "/v1/fonts/dejavu-serif",
         SHIPPED["dejavu-serif"].sha256, True),
    ]


async def test_a_font_offered_by_several_zones_is_listed_once(
    service, client_bus, create_product, make_zone, brand
) -> None:
    product = await create_product(brand, make_zone("a", "dejavu-serif"),
                                   make_zone("b", "dejavu-serif"))
    config = await client_bus.call(
        GET_PRODUCT_CONFIG, GetProductConfig(product_id=product.id), brand_id=brand
    )
    assert [f.id for f in config.fonts] == ["dejavu-serif"]


async def test_a_zone_with_an_unknown_font_is_refused_with_its_path(
    service, create_product, make_zone, brand
) -> None:
    with pytest.raises(Invalid) as refused:
        await create_product(brand, make_zone("a"), make_zone("b", "dejavu-sans", "papyrus"))
    [error] = refused.value.errors
    assert (error.field, error.code) == ("zones.1.fonts.1.font_id", ErrorCode.INVALID_FIELD)
    assert '"papyrus"' in error.message


async def test_publishing_a_version_leaves_the_earlier_one_as_it_was(
    service, client_bus, create_product, make_zone, brand
) -> None:
    first = await create_product(brand)
    zones = [make_zone("initials", "dejavu-serif", max_length=3)]
    second = await client_bus.call(
        PUBLISH_TEMPLATE, PublishTemplate(product_id=first.id, zones=zones), brand_id=brand
    )
    assert (second.id, second.name, second.template_version) == (first.id, first.name, 2)
    # published without views: one, front, that the zone is placed on
    assert [view.key for view in second.views] == ["front"]
    assert [z.model_copy(update={"placement": None}) for z in second.zones] == zones

    async def get(version: int | None = None):  # type: ignore[no-untyped-def]
        query = GetProduct(product_id=first.id, version=version)
        return await client_bus.call(GET_PRODUCT, query, brand_id=brand)

    assert await get() == second
    assert await get(2) == second
    assert await get(1) == first
    config = await client_bus.call(
        GET_PRODUCT_CONFIG, GetProductConfig(product_id=first.id), brand_id=brand
    )
    assert config.template_version == 2 and [f.id for f in config.fonts] == ["dejavu-serif"]
    with pytest.raises(NotFound) as missing:
        await get(3)
    assert [(e.field, e.code) for e in missing.value.errors] == [
        ("version", ErrorCode.NOT_FOUND)
    ]


async def test_a_template_with_an_unknown_font_is_not_published(
    service, client_bus, create_product, make_zone, brand
) -> None:
    product = await create_product(brand)
    with pytest.raises(Invalid) as refused:
        await client_bus.call(
            PUBLISH_TEMPLATE,
            PublishTemplate(product_id=product.id, zones=[make_zone("name", "papyrus")]),
            brand_id=brand,
        )
    assert refused.value.errors[0].field == "zones.0.fonts.0.font_id"
    current = await client_bus.call(GET_PRODUCT, GetProduct(product_id=product.id),
                                    brand_id=brand)
    assert current == product  # nothing half-written: still version 1


async def test_each_published_version_is_announced(
    service, client_bus, create_product, make_zone, brand, nats_url, namespace
) -> None:
    product = await create_product(brand)
    await client_bus.call(
        PUBLISH_TEMPLATE, PublishTemplate(product_id=product.id, zones=[make_zone()]),
        brand_id=brand,
    )

    async def announced() -> list[tuple[str, str, dict]] | None:
        stream = namespaced_stream(namespace, "EVT_PERSONALIZATION")
        events = [json.loads(m.data) for m in await stream_messages(nats_url, stream)]
        # the relay also sends what earlier tests' services left in the shared outbox
        ours = [(e["type"], e["brand_id"], e["data"]) for e in events if e["brand_id"] == brand]
        return ours if len(ours) > 1 else None

    assert await eventually(announced) == [
        ("template.published", brand, {"product_id": product.id, "version": 1}),
        ("template.published", brand, {"product_id": product.id, "version": 2}),
    ]


async def test_a_published_template_cannot_change_in_the_database(
    service, create_product, brand
) -> None:
    product = await create_product(brand)
    conn = await asyncpg.connect(asyncpg_dsn(service.settings.database_url))
    try:
        for statement in (
            "UPDATE personalization.templates SET zones = '[]' WHERE product_id = $1",
            "DELETE FROM personalization.templates WHERE product_id = $1",
        ):
            with pytest.raises(asyncpg.RestrictViolationError, match="immutable"):
                await conn.execute(statement, product.id)
        with pytest.raises(asyncpg.RestrictViolationError, match="immutable"):
            await conn.execute("TRUNCATE personalization.templates CASCADE")
        zones = await conn.fetchval(
            "SELECT zones FROM personalization.templates WHERE product_id = $1", product.id
        )
    finally:
        await conn.close()
    assert len(json.loads(zones)) == 2


async def test_another_brands_product_does_not_exist(
    service, client_bus, create_product, make_zone, brand
) -> None:
    product = await create_product(brand)
    for message, data in (
        (GET_PRODUCT, GetProduct(product_id=product.id)),
        (GET_PRODUCT, GetProduct(product_id=product.id, version=1)),
        (GET_PRODUCT_CONFIG, GetProductConfig(product_id=product.id)),
        (PUBLISH_TEMPLATE, PublishTemplate(product_id=product.id, zones=[make_zone()])),
        (VALIDATE_DESIGN, ValidateDesign(product_id=product.id, values={"name": "Ada"})),
    ):
        with pytest.raises(NotFound) as missing:
            await client_bus.call(message, data, brand_id="another-brand")
        assert [(e.field, e.code) for e in missing.value.errors] == [
            ("product_id", ErrorCode.NOT_FOUND)
        ]
    still = await client_bus.call(GET_PRODUCT, GetProduct(product_id=product.id), brand_id=brand)
    assert still.template_version == 1


async def test_an_unknown_product_does_not_exist(service, client_bus, brand) -> None:
    with pytest.raises(NotFound):
        await client_bus.call(GET_PRODUCT, GetProduct(product_id="nope"), brand_id=brand)


async def test_creating_a_product_needs_a_brand(service, client_bus, make_zone) -> None:
    with pytest.raises(Invalid) as refused:
        await client_bus.call(
            CREATE_PRODUCT, CreateProduct(name="Ring", zones=[make_zone()]), brand_id=None
        )
    assert refused.value.errors[0].field == "brand_id"
