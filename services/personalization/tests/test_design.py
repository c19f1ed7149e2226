"""Shopper input through the bus: validate, normalize and auto-fit against the product's current
template, the brand's word list, and the caches that keep the database off the hot path.

What the rules engine decides for each kind of text is tested in test_rules_*.py and
test_hard_inputs.py; here, that the service feeds it the right template, fonts and words."""

from typing import Any

import pytest
from sqlalchemy import event

from atelier.contracts import ErrorCode
from atelier.contracts.catalog import (
    AUTOFIT_DESIGN,
    GET_WORD_LIST,
    NORMALIZE_DESIGN,
    SET_WORD_LIST,
    VALIDATE_DESIGN,
    Message,
)
from atelier.contracts.personalization import (
    DefaultList,
    GetWordList,
    PublishTemplate,
    Removal,
    Substitution,
    ValidateDesign,
    ValidationResult,
    WordList,
    ZoneInput,
)
from atelier.contracts.spec import Align, FontRef, Layer, PlacedSpecZone, SpecView
from atelier.kit.errors import Invalid
from atelier.kit.testing.plugin import eventually, running
from atelier.personalization import handlers
from atelier.personalization.bootstrap import bootstrap
from atelier.personalization.catalog import Catalog
from atelier.typeset.fonts import SHIPPED
from atelier.typeset.pinned import PinnedFonts


@pytest.fixture
def check(client_bus):  # type: ignore[no-untyped-def]
    """Send values to VALIDATE_DESIGN (or another rpc of the same shape) for a product."""

    async def check(
        brand: str, product_id: str, values: dict[str, Any], message: Message = VALIDATE_DESIGN
    ) -> ValidationResult:
        return await client_bus.call(
            message, ValidateDesign(product_id=product_id, values=values), brand_id=brand
        )

    return check


def codes(result: ValidationResult) -> dict[str, list[tuple[str, int | None]]]:
    return {
        z.zone: sorted((e.code, e.position) for e in z.errors) for z in result.zones if z.errors
    } | {e.field: [(e.code, e.position)] for e in result.errors}


async def test_a_valid_design_is_resolved_with_pinned_fonts_and_a_fitted_size(
    service, create_product, check, brand
) -> None:
    product = await create_product(brand)
    values = {"name": ZoneInput(text="Zoe\u0301", font_id="dejavu-serif", colour="#aa0000"),
              "date": ""}
    result = await check(brand, product.id, values)
    assert result.valid and result.errors == []
    [name, date] = result.zones
    assert (name.value, name.length, name.font_id, name.fits) == ("Zo\u00e9", 3, "dejavu-serif",
                                                                  True)
    assert 2 <= name.size_mm <= 8 and date.errors == []
    assert result.design.product_id == product.id and result.design.template_version == 1
    # a product made without views has one, front, with its zones stacked (name 60 × 12 mm,
    # the 12 mm date 2 mm below it), and the design says so: its views, and where each zone lies
    [front] = result.design.views
    assert front == SpecView(key="front", width_mm=60, height_mm=12 + 2 + 12)
    assert result.design.zones == [  # the empty optional zone is left out
        PlacedSpecZone(key="name", text="Zo\u00e9", layer=Layer.ENGRAVE, width_mm=60,
                       height_mm=12, bleed_mm=0, safe_mm=1,
                       font=FontRef(id="dejavu-serif", sha256=SHIPPED["dejavu-serif"].sha256),
                       size_mm=name.size_mm, colour="#AA0000", align=Align.CENTER,
                       line_height=1.2, max_lines=1, view="front", x_mm=30, y_mm=6,
                       rotation_deg=0)
    ]


async def test_an_invalid_design_reports_each_error(
    service, create_product, check, brand
) -> None:
    product = await create_product(brand)
    result = await check(brand, product.id, {"name": "", "date": "12/12/2024 €", "gift": "x"})
    assert not result.valid and result.design is None
    assert codes(result) == {
        "name": [(ErrorCode.REQUIRED, None)],
        "date": sorted([(ErrorCode.TOO_LONG, 10), (ErrorCode.CHARACTER_NOT_ALLOWED, 10),
                        (ErrorCode.CHARACTER_NOT_ALLOWED, 11)]),
        "gift": [(ErrorCode.UNKNOWN_ZONE, None)],
    }


async def test_normalize_and_autofit_through_the_bus(
    service, create_product, check, brand
) -> None:
    product = await create_product(brand)
    typed = {"name": "Zoe\u0301\u200b"}
    normalized = await check(brand, product.id, typed, NORMALIZE_DESIGN)
    assert normalized.valid and normalized.design is None
    assert (normalized.zones[0].value, normalized.zones[0].removed) == (
        "Zo\u00e9", [Removal(position=3, character="U+200B ZERO WIDTH SPACE")]
    )

    fitted = await check(brand, product.id, typed, AUTOFIT_DESIGN)
    validated = await check(brand, product.id, typed)
    assert fitted.design is None and fitted.zones[0].fits
    assert fitted.zones[0].size_mm == validated.design.zones[0].size_mm
    assert 2 <= fitted.zones[0].size_mm <= 8


async def test_the_brands_word_list_is_kept_clean_and_applied_to_its_designs_only(
    service, client_bus, create_product, check, brand
) -> None:
    stored = await client_bus.call(
        SET_WORD_LIST, WordList(blocked=[" Darn ", "darn", "heck", ""], allowed=["heckle"]),
        brand_id=brand,
    )
    assert stored == WordList(blocked=["Darn", "heck"], allowed=["heckle"])
    assert await client_bus.call(GET_WORD_LIST, GetWordList(), brand_id=brand) == stored
    assert await client_bus.call(GET_WORD_LIST, GetWordList(), brand_id="other") == WordList()

    product = await create_product(brand)
    assert codes(await check(brand, product.id, {"name": "Oh DARN"})) == {
        "name": [(ErrorCode.BLOCKED_WORD, 3)]
    }
    assert (await check(brand, product.id, {"name": "Heckle"})).valid
    other = await create_product("other")
    assert (await check("other", other.id, {"name": "Oh DARN"})).valid


async def test_word_rules_are_stored_whole_and_bad_entries_refused(
    service, client_bus, create_product, check, brand
) -> None:
    words = WordList(blocked=["ass hat", "darn*"], review=["*heck*"], allowed=["checked"],
                     defaults=[DefaultList.FR], removed=["merde"],
                     substitutions=[Substitution.ZERO_O], message="Pick other words.")
    stored = await client_bus.call(SET_WORD_LIST, words, brand_id=brand)
    assert stored == words == await client_bus.call(GET_WORD_LIST, GetWordList(), brand_id=brand)

    product = await create_product(brand)
    refused = await check(brand, product.id, {"name": "Ass -- Hat"})
    assert [(e.code, e.position, e.message) for e in refused.zones[0].errors] == [
        (ErrorCode.BLOCKED_WORD, 0, "Pick other words.")]
    held = await check(brand, product.id, {"name": "Oh heck"})
    assert held.valid and [(m.entry, m.position) for m in held.zones[0].review] == [("*heck*", 3)]
    assert (await check(brand, product.id, {"name": "checked merde"})).valid  # exception, removed

    with pytest.raises(Invalid) as invalid:
        await client_bus.call(SET_WORD_LIST, WordList(blocked=["ok", "a*b", "***"],
                                                      allowed=["*ok"]), brand_id=brand)
    assert [(e.field, e.code) for e in invalid.value.errors] == [
        ("blocked.1", ErrorCode.INVALID_FIELD), ("blocked.2", ErrorCode.INVALID_FIELD),
        ("allowed.0", ErrorCode.INVALID_FIELD)]
    assert await client_bus.call(GET_WORD_LIST, GetWordList(), brand_id=brand) == stored


async def test_validation_does_not_touch_the_database_when_warm(
    service, create_product, check, brand
) -> None:
    product = await create_product(brand)
    assert (await check(brand, product.id, {"name": "Ada"})).valid  # warms every cache
    statements: list[str] = []

    def record(conn, cursor, statement: str, *_: object) -> None:  # type: ignore[no-untyped-def]
        if "outbox" not in statement:  # the relay polls the outbox on the same engine
            statements.append(statement)

    engine = service.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for text in ("Ada", "Grace", "Zoe\u0301"):
            assert (await check(brand, product.id, {"name": text})).valid
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements == []


async def test_what_another_replica_publishes_is_used_within_the_ttl(
    settings_of, create_product, make_zone, check, brand
) -> None:
    settings = settings_of("personalization", current_version_ttl_s=0.2, word_list_ttl_s=0.2)
    async with running(bootstrap(settings)):
        product = await create_product(brand)
        assert (await check(brand, product.id, {"name": "Ada"})).design.template_version == 1

        # another replica, off the bus here, publishes version 2 and blocks a word
        replica = bootstrap(settings)
        elsewhere = Catalog(replica.uow, PinnedFonts(replica.store.get), settings)  # type: ignore[arg-type]
        zones = [make_zone("initials", max_length=3)]
        async with replica.uow(brand) as uow:
            await handlers.publish_template(
                uow, elsewhere, brand, PublishTemplate(product_id=product.id, zones=zones)
            )
            await handlers.set_word_list(uow, elsewhere, brand, WordList(blocked=["ada"]))
            await uow.commit()
        await replica.db.dispose()

        async def on_version_2() -> bool:
            result = await check(brand, product.id, {"initials": "Bo"})
            return result.valid and result.design.template_version == 2

        async def blocked() -> bool:
            result = await check(brand, product.id, {"initials": "Ada"})
            return codes(result) == {"initials": [(ErrorCode.BLOCKED_WORD, 0)]}

        await eventually(on_version_2)
        await eventually(blocked)
