"""Brand fonts: the gateway stores the upload under ``fonts/<sha256>``, the service checks it is a
real font, records it, and zones of that brand (only) may offer it."""

import hashlib

import asyncpg
import pytest

from atelier.contracts import ErrorCode
from atelier.contracts.catalog import (
    GET_PRODUCT_CONFIG,
    LIST_FONTS,
    REGISTER_FONT,
    VALIDATE_DESIGN,
)
from atelier.contracts.personalization import (
    FontInfo,
    GetProductConfig,
    ListFonts,
    RegisterFont,
    ValidateDesign,
)
from atelier.contracts.spec import FontRef
from atelier.kit.db import asyncpg_dsn
from atelier.kit.errors import Invalid
from atelier.kit.storage import LocalStore
from atelier.kit.testing.plugin import running, unique
from atelier.personalization.bootstrap import bootstrap
from atelier.typeset.fonts import SHIPPED
from atelier.typeset.testing import component_cycle_font, self_referencing_font

SERIF = SHIPPED["dejavu-serif"].path.read_bytes()


@pytest.fixture
def store(settings_of) -> LocalStore:  # type: ignore[no-untyped-def]
    """The service's object store, as the gateway writes to it."""
    return LocalStore(settings_of("personalization").storage_dir)


@pytest.fixture
def upload(store: LocalStore):  # type: ignore[no-untyped-def]
    """Put bytes where the gateway would: content-addressed."""

    async def upload(data: bytes) -> str:
        key = f"fonts/{hashlib.sha256(data).hexdigest()}"
        await store.put(key, data, "font/ttf")
        return key

    return upload


async def register(client_bus, brand: str, key: str, filename: str = "MySerif.ttf") -> FontInfo:  # type: ignore[no-untyped-def]
    return await client_bus.call(
        REGISTER_FONT, RegisterFont(object_key=key, filename=filename), brand_id=brand
    )


async def invalid(client_bus, brand: str, key: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid) as refused:
        await register(client_bus, brand, key)
    return [(e.field, e.code) for e in refused.value.errors]


async def test_a_registered_font_is_described_by_its_name_table_and_hash(
    service, client_bus, upload, brand
) -> None:
    key = await upload(SERIF)
    font = await register(client_bus, brand, key)
    sha256 = hashlib.sha256(SERIF).hexdigest()
    assert (font.family, font.sha256, font.url, font.shipped) == (
        "DejaVu Serif", sha256, f"/v1/assets/fonts/{sha256}", False
    )
    assert len(font.id) == 36 and font.id not in SHIPPED
    assert await register(client_bus, brand, key, "again.ttf") == font  # the same file: one font

    listed = await client_bus.call(LIST_FONTS, ListFonts(), brand_id=brand)
    assert [(f.id, f.shipped) for f in listed.fonts] == [
        ("dejavu-sans", True), ("dejavu-serif", True), (font.id, False)
    ]
    assert [f.sha256 for f in listed.fonts[:2]] == [SHIPPED[i].sha256 for i in SHIPPED]


async def test_a_zone_offering_a_brand_font_pins_it_by_hash(
    settings_of, client_bus, upload, create_product, make_zone, brand
) -> None:
    async with running(bootstrap(settings_of("personalization"))):
        font = await register(client_bus, brand, await upload(SERIF))
        product = await create_product(brand, make_zone("name", font.id, "dejavu-sans"))
        config = await client_bus.call(
            GET_PRODUCT_CONFIG, GetProductConfig(product_id=product.id), brand_id=brand
        )
    sans = SHIPPED["dejavu-sans"]
    assert config.fonts == [
        font,
        FontInfo(id=sans.id, family=sans.family, url="/v1/fonts/dejavu-sans",
                 sha256=sans.sha256, shipped=True),
    ]

    # a replica that never saw the upload loads the font from the object store
    async with running(bootstrap(settings_of("personalization"))):
        result = await client_bus.call(
            VALIDATE_DESIGN, ValidateDesign(product_id=product.id, values={"name": "Ада"}),
            brand_id=brand,
        )
    assert result.valid, result
    [spec_zone] = result.design.zones
    assert spec_zone.font == FontRef(id=font.id, sha256=font.sha256)


async def test_another_brand_can_neither_see_nor_use_a_brand_font(
    service, client_bus, upload, create_product, make_zone, brand
) -> None:
    font = await register(client_bus, brand, await upload(SERIF))
    listed = await client_bus.call(LIST_FONTS, ListFonts(), brand_id="another-brand")
    assert font.id not in [f.id for f in listed.fonts]
    with pytest.raises(Invalid) as refused:
        await create_product("another-brand", make_zone("name", font.id))
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("zones.0.fonts.0.font_id", ErrorCode.INVALID_FIELD)
    ]


async def test_a_file_that_is_not_a_font_is_refused(
    service, client_bus, upload, brand
) -> None:
    not_a_font = [
        b"This is a text file, not a font.\n",
        b"PK\x03\x04" + bytes(200),  # a zip
        b"wOF2" + bytes(200),  # WOFF2: a web font, not a TTF/OTF
        b"\x00\x01\x00\x00" + bytes(200),  # a TrueType signature and nothing behind it
        SERIF[: len(SERIF) // 3],  # a truncated font
    ]
    for data in not_a_font:
        assert await invalid(client_bus, brand, await upload(data)) == [
            ("file", ErrorCode.INVALID_FONT_FILE)
        ], data[:8]
    listed = await client_bus.call(LIST_FONTS, ListFonts(), brand_id=brand)
    assert [f.shipped for f in listed.fonts] == [True, True]


async def test_a_font_over_5_mb_is_refused(service, client_bus, upload, brand) -> None:
    too_large = SERIF + bytes(5 * 1024 * 1024 - len(SERIF) + 1)
    assert await invalid(client_bus, brand, await upload(too_large)) == [
        ("file", ErrorCode.FONT_TOO_LARGE)
    ]


async def test_the_font_must_be_uploaded_under_its_content_address(
    service, client_bus, store, brand
) -> None:
    assert await invalid(client_bus, brand, "fonts/" + "0" * 64) == [
        ("object_key", ErrorCode.INVALID_FIELD)  # nothing there
    ]
    await store.put("fonts/my-serif.ttf", SERIF, "font/ttf")
    assert await invalid(client_bus, brand, "fonts/my-serif.ttf") == [
        ("object_key", ErrorCode.INVALID_FIELD)
    ]
    assert await invalid(client_bus, brand, "../secrets") == [
        ("object_key", ErrorCode.INVALID_FIELD)
    ]


async def test_a_font_whose_glyphs_are_built_from_themselves_is_refused(
    service, client_bus, upload, brand
) -> None:
    for data in (self_referencing_font(), component_cycle_font()):
        with pytest.raises(Invalid) as refused:
            await register(client_bus, brand, await upload(data))
        [error] = refused.value.errors
        assert (error.field, error.code) == ("file", ErrorCode.FONT_NOT_DRAWABLE)
        assert "is built from itself" in error.message
    listed = await client_bus.call(LIST_FONTS, ListFonts(), brand_id=brand)
    assert [f.shipped for f in listed.fonts] == [True, True]


async def test_a_stored_font_the_engine_refuses_now_is_a_clear_error_of_the_design(
    service, client_bus, upload, create_product, make_zone, brand
) -> None:
    """A font recorded before uploads were checked for component cycles."""
    data = component_cycle_font()
    key = await upload(data)
    font_id = unique("font-")
    conn = await asyncpg.connect(asyncpg_dsn(service.settings.database_url))
    try:
        await conn.execute(
            "INSERT INTO personalization.fonts (id, brand_id, family, sha256, object_key, "
            "size_bytes, filename) VALUES ($1, $2, 'Hostile', $3, $4, $5, 'hostile.ttf')",
            font_id, brand, hashlib.sha256(data).hexdigest(), key, len(data))
    finally:
        await conn.close()
    product = await create_product(brand, make_zone("name", font_id))
    with pytest.raises(Invalid) as refused:
        await client_bus.call(VALIDATE_DESIGN, ValidateDesign(
            product_id=product.id, values={"name": "ABC"}), brand_id=brand)
    [error] = refused.value.errors
    assert (error.field, error.code) == ("font_id", ErrorCode.FONT_NOT_DRAWABLE)
    assert "Hostile" in error.message and "A → B → A" in error.message
