"""Bus entrypoints: translate messages to use-case calls and back."""

from atelier.contracts import Envelope
from atelier.contracts.catalog import CREATE_PRODUCT, GET_PRODUCT_CONFIG, VALIDATE_DESIGN
from atelier.contracts.personalization import (
    CreateProduct,
    GetProductConfig,
    Product,
    ValidateDesign,
    ValidationResult,
    WidgetConfig,
)
from atelier.kit.broker import brand_of
from atelier.kit.runtime import Runtime
from atelier.personalization import handlers


def register(runtime: Runtime) -> None:
    async def create_product(envelope: Envelope[CreateProduct]) -> Product:
        return await handlers.create_product(runtime.uow(), brand_of(envelope), envelope.data)

    async def get_config(envelope: Envelope[GetProductConfig]) -> WidgetConfig:
        return await handlers.get_config(
            runtime.uow(), brand_of(envelope), envelope.data.product_id
        )

    async def validate(envelope: Envelope[ValidateDesign]) -> ValidationResult:
        return await handlers.validate_design(runtime.uow(), brand_of(envelope), envelope.data)

    runtime.bus.serve(CREATE_PRODUCT, create_product)
    runtime.bus.serve(GET_PRODUCT_CONFIG, get_config)
    runtime.bus.serve(VALIDATE_DESIGN, validate)
