"""A product's 3D model through ``bootstrap()`` with the kit's fakes: a shape or an uploaded GLB
published as a new template version, carried by every design made after, and a GLB the brand
never uploaded refused."""

import pytest

from atelier.contracts import ErrorCode
from atelier.contracts.catalog import (
    GET_PRODUCT,
    PUBLISH_TEMPLATE,
    SET_PRODUCT_MODEL,
    TEMPLATE_PUBLISHED,
)
from atelier.contracts.model3d import CylinderShape, UploadedModel
from atelier.contracts.personalization import GetProduct, PublishTemplate, SetProductModel
from atelier.kit.errors import Invalid

from .test_views import calls, create, units  # noqa: F401 (fixtures)

MUG = CylinderShape(kind="cylinder", diameter_mm=82, height_mm=95)
GLB = UploadedModel(kind="glb", sha256="cd" * 32, size_bytes=4096)


async def test_a_shape_is_published_and_reaches_the_design(calls, units) -> None:  # noqa: F811
    product = await create(calls)
    with_model = await calls.send(SET_PRODUCT_MODEL, SetProductModel(product_id=product.id,
                                                                     model=MUG))
    assert (with_model.template_version, with_model.model) == (2, MUG)
    assert with_model.views == product.views and with_model.zones == product.zones
    design = (await calls.validate(product.id, {"name": "Ada", "year": "1815"})).design
    assert (design.template_version, design.model) == (2, MUG)
    old = await calls.send(GET_PRODUCT, GetProduct(product_id=product.id, version=1))
    assert old.model is None  # earlier versions, and their snapshots, keep no model
    assert await calls.send(SET_PRODUCT_MODEL, SetProductModel(
        product_id=product.id, model=MUG)) == with_model  # the same again: nothing published
    assert [e.version for e in units.emitted_data(TEMPLATE_PUBLISHED)] == [1, 2]


async def test_an_uploaded_glb_is_recorded_and_may_then_be_named(calls, units) -> None:  # noqa: F811
    product = await create(calls)
    with pytest.raises(Invalid) as refused:  # not uploaded (by this brand): refused
        await calls.send(PUBLISH_TEMPLATE, PublishTemplate(
            product_id=product.id, views=product.views, zones=product.zones, model=GLB))
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("model.sha256", ErrorCode.INVALID_FIELD)]
    uploaded = await calls.send(SET_PRODUCT_MODEL, SetProductModel(
        product_id=product.id, model=GLB, triangles=1200))
    assert uploaded.model == GLB
    [row] = units.repository.models.values()
    assert (row.sha256, row.size_bytes, row.triangles) == (GLB.sha256, 4096, 1200)
    again = await calls.send(PUBLISH_TEMPLATE, PublishTemplate(
        product_id=product.id, views=product.views, zones=product.zones, model=GLB))
    assert (again.template_version, again.model) == (3, GLB)


async def test_a_shape_too_small_for_a_view_is_refused(calls) -> None:  # noqa: F811
    product = await create(calls)  # its front view is 140 × 14 mm
    pen_sized = CylinderShape(kind="cylinder", diameter_mm=10, height_mm=140)
    with pytest.raises(Invalid) as refused:
        await calls.send(SET_PRODUCT_MODEL, SetProductModel(product_id=product.id,
                                                            model=pen_sized))
    [error] = refused.value.errors
    assert (error.field, error.code) == ("model", ErrorCode.INVALID_FIELD)
    assert "The view 'front' (140 × 14 mm) does not fit on the cylinder's side" in error.message
    assert (await calls.send(GET_PRODUCT, GetProduct(product_id=product.id))) == product
