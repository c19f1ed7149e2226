"""The personalization service's use cases through ``bootstrap()`` with the kit's fakes: its
entrypoints driven as the bus drives them, without NATS or Postgres (test_products.py,
test_design.py and test_fonts.py run the real ones)."""

import hashlib
from typing import Any

import pytest

from atelier.contracts import ErrorCode
from atelier.contracts.catalog import (
    CREATE_PRODUCT,
    GET_PRODUCT,
    GET_PRODUCT_CONFIG,
    GET_WORD_LIST,
    LIST_FONTS,
    PUBLISH_TEMPLATE,
    REGISTER_FONT,
    SET_WORD_LIST,
    TEMPLATE_PUBLISHED,
    VALIDATE_DESIGN,
    Message,
)
from atelier.contracts.personalization import (
    CreateProduct,
    GetProduct,
    GetProductConfig,
    GetWordList,
    ListFonts,
    PublishTemplate,
    RegisterFont,
    TemplatePublished,
    TextZone,
    ValidateDesign,
    WordList,
)
from atelier.contracts.spec import FontRef
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.runtime import Runtime
from atelier.kit.testing.fakes import FakeUnits, InMemoryStore, envelope
from atelier.personalization.bootstrap import bootstrap
from atelier.personalization.settings import PersonalizationSettings
from atelier.typeset.fonts import SHIPPED

from .conftest import a_zone
from .fakes import FakePersonalizationRepository

BRAND, OTHER = "brand-a", "brand-b"
SERIF = SHIPPED["dejavu-serif"].path.read_bytes()


@pytest.fixture
def units() -> FakeUnits[FakePersonalizationRepository]:
    return FakeUnits(FakePersonalizationRepository(), PersonalizationSettings.service)


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def calls(units, store) -> "Calls":
    return Calls(bootstrap(PersonalizationSettings(), store, units=units))


class Calls:
    """The service's rpc methods, called through its bus as the gateway calls them."""

    def __init__(self, service: Runtime) -> None:
        self.bus = service.bus
        self.keys = 0

    async def send(self, message: Message, data: Any, brand: str = BRAND,
                   key: str | None = None) -> Any:
        self.keys += 1
        key = (key or f"key-{self.keys}") if message.mutates else None
        return await self.bus.handle(message, envelope(message, data, brand_id=brand),
                                     request_key=key)

    async def create(self, *zones: TextZone, brand: str = BRAND, key: str | None = None) -> Any:
        command = CreateProduct(name="Ring", zones=list(zones) or [a_zone("name")])
        return await self.send(CREATE_PRODUCT, command, brand, key)

    async def validate(self, product_id: str, values: dict[str, Any], brand: str = BRAND) -> Any:
        return await self.send(VALIDATE_DESIGN,
                               ValidateDesign(product_id=product_id, values=values), brand)


# --- products and templates ----------------------------------------------------------------------
async def test_a_created_product_is_published_at_version_1_and_announced(calls, units) -> None:
    product = await calls.create(a_zone("name", "dejavu-sans", "dejavu-serif"))
    assert (product.name, product.template_version) == ("Ring", 1)
    assert await calls.send(GET_PRODUCT, GetProduct(product_id=product.id)) == product
    config = await calls.send(GET_PRODUCT_CONFIG, GetProductConfig(product_id=product.id))
    assert [(f.id, f.shipped) for f in config.fonts] == [("dejavu-sans", True),
                                                         ("dejavu-serif", True)]
    assert units.emitted_data(TEMPLATE_PUBLISHED) == [
        TemplatePublished(product_id=product.id, version=1)]


async def test_a_retried_creation_gets_the_first_product(calls, units) -> None:
    first = await calls.create(key="k")
    assert await calls.create(key="k") == first
    assert len(units.repository.products) == 1 and len(units.emitted) == 1


async def test_publishing_makes_a_new_current_version_and_keeps_the_old_one(
    calls, units
) -> None:
    product = await calls.create()
    published = await calls.send(PUBLISH_TEMPLATE, PublishTemplate(
        product_id=product.id, zones=[a_zone("initials", max_length=3)]))
    assert published.template_version == 2
    assert (await calls.validate(product.id, {"initials": "Bo"})).design.template_version == 2
    old = await calls.send(GET_PRODUCT, GetProduct(product_id=product.id, version=1))
    assert old == product
    assert [e.version for e in units.emitted_data(TEMPLATE_PUBLISHED)] == [1, 2]


async def test_a_zone_with_an_unknown_font_is_refused_and_nothing_is_kept(calls, units) -> None:
    with pytest.raises(Invalid) as refused:
        await calls.create(a_zone("name", "no-such-font"))
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("zones.0.fonts.0.font_id", ErrorCode.INVALID_FIELD)]
    assert units.repository.products == {} and units.emitted == []


async def test_another_brands_product_does_not_exist(calls) -> None:
    product = await calls.create()
    for message, query in ((GET_PRODUCT, GetProduct(product_id=product.id)),
                           (GET_PRODUCT_CONFIG, GetProductConfig(product_id=product.id)),
                           (PUBLISH_TEMPLATE, PublishTemplate(product_id=product.id,
                                                              zones=[a_zone()]))):
        with pytest.raises(NotFound):
            await calls.send(message, query, OTHER)


# --- shopper input -------------------------------------------------------------------------------
async def test_a_design_is_validated_against_the_current_template(calls) -> None:
    product = await calls.create()
    valid = await calls.validate(product.id, {"name": "Zoe\u0301"})
    assert valid.valid and valid.design.zones[0].text == "Zo\u00e9"
    invalid = await calls.validate(product.id, {"name": "x" * 21, "gift": "y"})
    assert not invalid.valid and invalid.design is None
    with pytest.raises(NotFound):
        await calls.validate("no-such-product", {"name": "Ada"})


async def test_a_word_list_applies_to_its_brands_designs_once_stored(calls, units) -> None:
    stored = await calls.send(SET_WORD_LIST, WordList(blocked=[" Darn ", "darn"]))
    assert stored == WordList(blocked=["Darn"]) == units.repository.word_lists[BRAND]
    assert await calls.send(GET_WORD_LIST, GetWordList()) == stored
    product = await calls.create()
    [zone] = (await calls.validate(product.id, {"name": "Oh darn"})).zones
    assert [e.code for e in zone.errors] == [ErrorCode.BLOCKED_WORD]
    other = await calls.create(brand=OTHER)
    assert (await calls.validate(other.id, {"name": "Oh darn"}, OTHER)).valid


async def test_a_word_list_entry_without_letters_is_refused_and_nothing_changes(
    calls, units
) -> None:
    with pytest.raises(Invalid):
        await calls.send(SET_WORD_LIST, WordList(blocked=["oh darn", "*.*"]))
    assert units.repository.word_lists == {}
    assert await calls.send(GET_WORD_LIST, GetWordList()) == WordList()


# --- brand fonts ---------------------------------------------------------------------------------
async def upload(store: InMemoryStore, data: bytes) -> str:
    key = f"fonts/{hashlib.sha256(data).hexdigest()}"
    await store.put(key, data, "font/ttf")
    return key


async def test_a_brand_font_is_registered_once_listed_and_pinned_by_its_hash(
    calls, units, store
) -> None:
    key = await upload(store, SERIF)
    font = await calls.send(REGISTER_FONT, RegisterFont(object_key=key, filename="Mine.ttf"))
    assert (font.family, font.sha256, font.shipped) == (
        "DejaVu Serif", hashlib.sha256(SERIF).hexdigest(), False)
    again = await calls.send(REGISTER_FONT, RegisterFont(object_key=key, filename="again.ttf"))
    assert again == font and len(units.repository.font_rows) == 1
    listed = await calls.send(LIST_FONTS, ListFonts())
    assert [f.id for f in listed.fonts] == [*SHIPPED, font.id]
    assert (await calls.send(LIST_FONTS, ListFonts(), OTHER)).fonts == listed.fonts[:2]

    product = await calls.create(a_zone("name", font.id))
    result = await calls.validate(product.id, {"name": "Ада"})
    assert result.valid, result
    assert result.design.zones[0].font == FontRef(id=font.id, sha256=font.sha256)
    with pytest.raises(Invalid):  # another brand cannot offer it
        await calls.create(a_zone("name", font.id), brand=OTHER)


@pytest.mark.parametrize(("data", "key", "field"), [
    (b"not a font at all", None, "file"),
    (SERIF, "fonts/" + "0" * 64, "object_key"),  # not under its content address
    (None, "fonts/" + "1" * 64, "object_key"),  # nothing uploaded
])
async def test_a_font_that_cannot_be_registered_is_refused_and_not_recorded(
    calls, units, store, data, key, field
) -> None:
    if data is not None:
        stored_at = await upload(store, data)
        if key is not None:
            await store.put(key, data, "font/ttf")
        key = key or stored_at
    with pytest.raises(Invalid) as refused:
        await calls.send(REGISTER_FONT, RegisterFont(object_key=key, filename="x.ttf"))
    assert [e.field for e in refused.value.errors] == [field]
    assert units.repository.font_rows == []
