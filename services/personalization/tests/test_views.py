"""Views and their photos through ``bootstrap()`` with the kit's fakes: zones placed on views,
photos recorded and published as new template versions, earlier versions unchanged."""

import pytest

from atelier.contracts import ErrorCode
from atelier.contracts.catalog import (
    CREATE_PRODUCT,
    GET_PRODUCT,
    PUBLISH_TEMPLATE,
    SET_VIEW_PHOTO,
    TEMPLATE_PUBLISHED,
)
from atelier.contracts.personalization import (
    CreateProduct,
    GetProduct,
    PublishTemplate,
    SetViewPhoto,
    TextZone,
    View,
    ZonePlacement,
)
from atelier.contracts.spec import PhotoRef, QuadPlacement, StraightPlacement
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.testing.fakes import FakeUnits, InMemoryStore
from atelier.personalization.bootstrap import bootstrap
from atelier.personalization.settings import PersonalizationSettings

from .conftest import a_zone
from .fakes import FakePersonalizationRepository
from .test_handlers import Calls

PHOTO = PhotoRef(sha256="ab" * 32, width_px=1200, height_px=800)
QUAD = QuadPlacement.model_validate({"kind": "quad", "corners": [
    {"x_px": 100, "y_px": 120}, {"x_px": 1100, "y_px": 80},
    {"x_px": 1050, "y_px": 700}, {"x_px": 150, "y_px": 650}]})


@pytest.fixture
def units() -> FakeUnits[FakePersonalizationRepository]:
    return FakeUnits(FakePersonalizationRepository(), PersonalizationSettings.service)


@pytest.fixture
def calls(units: FakeUnits[FakePersonalizationRepository]) -> Calls:
    return Calls(bootstrap(PersonalizationSettings(), InMemoryStore(), units=units))


def placed(zone: TextZone, view: str, x: float, y: float, turn: float = 0) -> TextZone:
    return zone.model_copy(update={"placement": ZonePlacement(view=view, x_mm=x, y_mm=y,
                                                              rotation_deg=turn)})


def views() -> list[View]:
    return [View(key="front", label="Front", width_mm=140, height_mm=14, placement=QUAD),
            View(key="lid", label="Lid", width_mm=30, height_mm=30)]


async def create(calls: Calls) -> object:
    zones = [placed(a_zone("name"), "front", 70, 7), placed(a_zone("year"), "lid", 15, 15, 90)]
    return await calls.send(CREATE_PRODUCT, CreateProduct(name="Pen", views=views(),
                                                          zones=zones))


async def test_zones_placed_on_views_reach_the_design(calls) -> None:
    product = await create(calls)
    assert [v.key for v in product.views] == ["front", "lid"]
    result = await calls.validate(product.id, {"name": "Ada", "year": "1815"})
    assert result.valid
    design = result.design
    assert [(z.key, z.view, z.x_mm, z.y_mm, z.rotation_deg) for z in design.zones] == [
        ("name", "front", 70, 7, 0), ("year", "lid", 15, 15, 90)]
    # no photo yet: the placement waits for one, and the spec says nothing of it
    assert [(v.key, v.photo, v.placement) for v in design.views] == [
        ("front", None, None), ("lid", None, None)]


def test_a_zone_on_an_unknown_view_or_unplaced_among_views_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown view 'back'"):
        CreateProduct(name="Pen", views=views(), zones=[placed(a_zone("name"), "back", 1, 1)])
    with pytest.raises(ValueError, match="not placed on any view"):
        CreateProduct(name="Pen", views=views(), zones=[a_zone("name")])
    with pytest.raises(ValueError, match="declares no views"):
        CreateProduct(name="Pen", zones=[placed(a_zone("name"), "front", 1, 1)])
    with pytest.raises(ValueError, match="convex"):  # corners in the wrong order
        QuadPlacement.model_validate({"kind": "quad", "corners": [
            {"x_px": 0, "y_px": 0}, {"x_px": 0, "y_px": 10}, {"x_px": 10, "y_px": 10},
            {"x_px": 10, "y_px": 0}]})


async def test_a_photo_publishes_a_new_version_and_the_old_one_stays(calls, units) -> None:
    product = await create(calls)
    photo = SetViewPhoto(product_id=product.id, view="front", photo=PHOTO,
                         content_type="image/jpeg", size_bytes=1234)
    with_photo = await calls.send(SET_VIEW_PHOTO, photo)
    assert with_photo.template_version == 2
    front = with_photo.views[0]
    assert (front.photo, front.placement) == (PHOTO, QUAD)  # the placement is kept
    old = await calls.send(GET_PRODUCT, GetProduct(product_id=product.id, version=1))
    assert old == product and old.views[0].photo is None
    # the design made now pins the photo and its placement: the spec hash covers them
    design = (await calls.validate(product.id, {"name": "Ada", "year": "1815"})).design
    assert (design.template_version, design.views[0].photo, design.views[0].placement) == (
        2, PHOTO, QUAD)
    # the same photo again publishes nothing
    assert await calls.send(SET_VIEW_PHOTO, photo) == with_photo
    assert [e.version for e in units.emitted_data(TEMPLATE_PUBLISHED)] == [1, 2]


async def test_a_photo_without_a_placement_is_centred_in_the_design(calls) -> None:
    product = await create(calls)
    await calls.send(SET_VIEW_PHOTO, SetViewPhoto(
        product_id=product.id, view="lid", photo=PHOTO, content_type="image/png",
        size_bytes=10))
    design = (await calls.validate(product.id, {"name": "Ada", "year": "1815"})).design
    lid = design.views[1]
    # 30 × 30 mm in 80 % of 1200 × 800 px: 640 px high, centred
    assert isinstance(lid.placement, StraightPlacement)
    placement = lid.placement
    assert (placement.scale_px_per_mm, placement.offset_x_px, placement.offset_y_px) == (
        pytest.approx(640 / 30), pytest.approx(280), pytest.approx(80))


async def test_a_photo_for_an_unknown_view_or_product_is_not_found(calls, units) -> None:
    product = await create(calls)
    with pytest.raises(NotFound) as missing:
        await calls.send(SET_VIEW_PHOTO, SetViewPhoto(
            product_id=product.id, view="back", photo=PHOTO, content_type="image/png",
            size_bytes=10))
    assert [(e.field, e.code) for e in missing.value.errors] == [("view", ErrorCode.NOT_FOUND)]
    with pytest.raises(NotFound):
        await calls.send(SET_VIEW_PHOTO, SetViewPhoto(
            product_id="no-such-product", view="front", photo=PHOTO, content_type="image/png",
            size_bytes=10))
    assert units.repository.photos == {}


async def test_a_template_naming_a_photo_never_uploaded_is_refused(calls) -> None:
    product = await create(calls)
    stolen = [views()[0].model_copy(update={"photo": PHOTO}), views()[1]]
    with pytest.raises(Invalid) as refused:
        await calls.send(PUBLISH_TEMPLATE, PublishTemplate(
            product_id=product.id, views=stolen, zones=product.zones))
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("views.0.photo.sha256", ErrorCode.INVALID_FIELD)]
    assert (await calls.send(GET_PRODUCT, GetProduct(product_id=product.id))) == product
