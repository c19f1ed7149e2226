"""Use cases of the personalization service: load the template, let the domain decide."""

from sqlalchemy import and_, select

from atelier.contracts import new_id
from atelier.contracts.personalization import (
    CreateProduct,
    FontInfo,
    Product,
    TextZone,
    ValidateDesign,
    ValidationResult,
    WidgetConfig,
)
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.outbox import UnitOfWork
from atelier.personalization import domain
from atelier.personalization.models import ProductRow, TemplateRow
from atelier.typeset.fonts import SHIPPED, shipped_font

FIRST_VERSION = 1


async def create_product(uow: UnitOfWork, brand_id: str, command: CreateProduct) -> Product:
    """A new product with its first published template."""
    errors = domain.unknown_fonts(command.zones, SHIPPED)
    if errors:
        raise Invalid("A zone uses a font the platform does not have.", errors)
    product = ProductRow(
        id=new_id(), brand_id=brand_id, name=command.name,
        current_template_version=FIRST_VERSION,
    )
    template = TemplateRow(
        product_id=product.id, version=FIRST_VERSION, brand_id=brand_id,
        zones=[zone.model_dump(mode="json") for zone in command.zones],
    )
    async with uow:
        uow.session.add_all([product, template])
        await uow.commit()
    return Product(
        id=product.id, name=product.name, template_version=FIRST_VERSION, zones=command.zones
    )


async def get_config(uow: UnitOfWork, brand_id: str, product_id: str) -> WidgetConfig:
    # rows are read inside the unit of work: leaving it rolls back and expires them
    async with uow:
        product, template = await current_template(uow, brand_id, product_id)
        zones = zones_of(template)
        return WidgetConfig(
            product_id=product.id,
            name=product.name,
            template_version=template.version,
            zones=zones,
            fonts=[font_info(font_id) for font_id in domain.fonts_used(zones)],
        )


async def validate_design(
    uow: UnitOfWork, brand_id: str, command: ValidateDesign
) -> ValidationResult:
    async with uow:
        product, template = await current_template(uow, brand_id, command.product_id)
        return domain.validate_design(
            product.id, template.version, zones_of(template), command.values
        )


async def current_template(
    uow: UnitOfWork, brand_id: str, product_id: str
) -> tuple[ProductRow, TemplateRow]:
    """The brand's product and its current template; another brand's product does not exist."""
    row = (
        await uow.session.execute(
            select(ProductRow, TemplateRow)
            .join(
                TemplateRow,
                and_(
                    TemplateRow.product_id == ProductRow.id,
                    TemplateRow.version == ProductRow.current_template_version,
                ),
            )
            .where(ProductRow.id == product_id, ProductRow.brand_id == brand_id)
        )
    ).first()
    if row is None:
        raise NotFound.of("product", "product_id")
    product, template = row
    return product, template


def zones_of(template: TemplateRow) -> list[TextZone]:
    return [TextZone.model_validate(zone) for zone in template.zones]


def font_info(font_id: str) -> FontInfo:
    font = shipped_font(font_id)
    return FontInfo(id=font.id, family=font.family, url=f"/v1/fonts/{font.id}")
