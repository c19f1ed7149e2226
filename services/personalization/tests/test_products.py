"""Products, configuration and validation through the bus, on real Postgres and NATS."""

import pytest

from atelier.contracts import ErrorCode
from atelier.contracts.catalog import CREATE_PRODUCT, GET_PRODUCT_CONFIG, VALIDATE_DESIGN
from atelier.contracts.personalization import (
    CreateProduct,
    GetProductConfig,
    Product,
    TextZone,
    ValidateDesign,
)
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.testing.plugin import running, unique
from atelier.personalization.bootstrap import bootstrap


def a_product(*fonts: str) -> CreateProduct:
    zones = [
        TextZone(key="name", label="Name", width_mm=60, height_mm=12, max_length=12,
                 font=fonts[0] if fonts else "dejavu-sans"),
        TextZone(key="date", label="Date", width_mm=30, height_mm=8, max_length=10,
                 required=False, allowed_classes=["digits", "punctuation"],
                 font=fonts[1] if len(fonts) > 1 else "dejavu-serif"),
    ]
    return CreateProduct(name="Engraved ring", zones=zones)


@pytest.fixture
async def service(settings_of):  # type: ignore[no-untyped-def]
    async with running(bootstrap(settings_of("personalization"))) as runtime:
        yield runtime


async def create(client_bus, brand: str, command: CreateProduct | None = None) -> Product:  # type: ignore[no-untyped-def]
    return await client_bus.call(CREATE_PRODUCT, command or a_product(), brand_id=brand)


async def test_a_created_product_has_template_version_1_and_a_widget_config(
    service, client_bus
) -> None:
    brand = unique("brand-")
    product = await create(client_bus, brand)
    assert product.template_version == 1 and len(product.id) == 36

    config = await client_bus.call(
        GET_PRODUCT_CONFIG, GetProductConfig(product_id=product.id), brand_id=brand
    )
    assert config.product_id == product.id and config.name == "Engraved ring"
    assert config.template_version == 1
    assert config.zones == a_product().zones
    assert [(f.id, f.family, f.url) for f in config.fonts] == [
        ("dejavu-sans", "DejaVu Sans", "/v1/fonts/dejavu-sans"),
        ("dejavu-serif", "DejaVu Serif", "/v1/fonts/dejavu-serif"),
    ]


async def test_fonts_are_listed_once(service, client_bus) -> None:
    brand = unique("brand-")
    product = await create(client_bus, brand, a_product("dejavu-serif", "dejavu-serif"))
    config = await client_bus.call(
        GET_PRODUCT_CONFIG, GetProductConfig(product_id=product.id), brand_id=brand
    )
    assert [f.id for f in config.fonts] == ["dejavu-serif"]


async def test_a_product_with_an_unknown_font_is_refused(service, client_bus) -> None:
    with pytest.raises(Invalid) as refused:
        await create(client_bus, unique("brand-"), a_product("dejavu-sans", "papyrus"))
    [error] = refused.value.errors
    assert (error.field, error.code) == ("zones.1.font", ErrorCode.INVALID_FIELD)
    assert "papyrus" in error.message


async def test_a_valid_design_is_resolved(service, client_bus) -> None:
    brand = unique("brand-")
    product = await create(client_bus, brand)
    result = await client_bus.call(
        VALIDATE_DESIGN,
        ValidateDesign(product_id=product.id, values={"name": "Zoe\u0301", "date": ""}),
        brand_id=brand,
    )
    assert result.valid
    assert result.design.product_id == product.id and result.design.template_version == 1
    assert [(z.key, z.text, z.font) for z in result.design.zones] == [
        ("name", "Zo\u00e9", "dejavu-sans")
    ]


async def test_an_invalid_design_reports_each_error(service, client_bus) -> None:
    brand = unique("brand-")
    product = await create(client_bus, brand)
    result = await client_bus.call(
        VALIDATE_DESIGN,
        ValidateDesign(
            product_id=product.id, values={"name": "", "date": "12/12/2024 €", "gift": "x"}
        ),
        brand_id=brand,
    )
    assert not result.valid and result.design is None
    by_zone = {z.zone: [(e.code, e.position) for e in z.errors] for z in result.zones}
    assert by_zone == {
        "name": [(ErrorCode.REQUIRED, None)],
        "date": [
            (ErrorCode.TOO_LONG, 10),
            (ErrorCode.CHARACTER_NOT_ALLOWED, 10),
            (ErrorCode.CHARACTER_NOT_ALLOWED, 11),
        ],
    }
    assert [(e.field, e.code) for e in result.errors] == [("gift", ErrorCode.UNKNOWN_ZONE)]


async def test_another_brands_product_does_not_exist(service, client_bus) -> None:
    product = await create(client_bus, unique("brand-"))
    other = unique("brand-")
    for message, data in (
        (GET_PRODUCT_CONFIG, GetProductConfig(product_id=product.id)),
        (VALIDATE_DESIGN, ValidateDesign(product_id=product.id, values={"name": "Ada"})),
    ):
        with pytest.raises(NotFound) as missing:
            await client_bus.call(message, data, brand_id=other)
        assert [(e.field, e.code) for e in missing.value.errors] == [
            ("product_id", ErrorCode.NOT_FOUND)
        ]


async def test_an_unknown_product_does_not_exist(service, client_bus) -> None:
    with pytest.raises(NotFound):
        await client_bus.call(
            GET_PRODUCT_CONFIG, GetProductConfig(product_id="nope"), brand_id=unique("brand-")
        )


async def test_creating_a_product_needs_a_brand(service, client_bus) -> None:
    with pytest.raises(Invalid) as refused:
        await client_bus.call(CREATE_PRODUCT, a_product(), brand_id=None)
    assert refused.value.errors[0].field == "brand_id"
