"""Bus entrypoints: translate messages to use-case calls and back."""

from atelier.contracts import Envelope
from atelier.contracts.analytics import Funnel, GetFunnel, WidgetEventsReceived
from atelier.contracts.catalog import (
    AUTOFIT_DESIGN,
    CHECK_WORDS,
    CREATE_PRODUCT,
    FUNNEL,
    GET_PRODUCT,
    GET_PRODUCT_CONFIG,
    GET_WORD_LIST,
    LIST_FONTS,
    NORMALIZE_DESIGN,
    PUBLISH_TEMPLATE,
    REGISTER_FONT,
    SET_PRODUCT_MODEL,
    SET_VIEW_PHOTO,
    SET_WORD_LIST,
    VALIDATE_DESIGN,
    WIDGET_EVENTS_RECEIVED,
)
from atelier.contracts.personalization import (
    CheckWords,
    CreateProduct,
    FontInfo,
    FontList,
    GetProduct,
    GetProductConfig,
    GetWordList,
    ListFonts,
    Product,
    PublishTemplate,
    RegisterFont,
    SetProductModel,
    SetViewPhoto,
    ValidateDesign,
    ValidationResult,
    WidgetConfig,
    WordCheck,
    WordList,
)
from atelier.kit.broker import brand_of
from atelier.kit.outbox import UnitOfWork
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectStore
from atelier.personalization import handlers
from atelier.personalization.catalog import Catalog
from atelier.personalization.repository import PersonalizationRepository
from atelier.personalization.settings import PersonalizationSettings
from atelier.typeset.pinned import PinnedFonts


def register(
    runtime: Runtime, catalog: Catalog, fonts: PinnedFonts, store: ObjectStore,
    settings: PersonalizationSettings,
) -> None:
    register_products(runtime, catalog)
    register_design(runtime, catalog)
    register_fonts(runtime, fonts, store, settings)
    register_word_lists(runtime, catalog)
    register_analytics(runtime)


def register_products(runtime: Runtime, catalog: Catalog) -> None:
    async def create_product(
        uow: UnitOfWork[PersonalizationRepository], envelope: Envelope[CreateProduct]
    ) -> Product:
        return await handlers.create_product(uow, catalog, brand_of(envelope), envelope.data)

    async def publish_template(
        uow: UnitOfWork[PersonalizationRepository], envelope: Envelope[PublishTemplate]
    ) -> Product:
        return await handlers.publish_template(uow, catalog, brand_of(envelope), envelope.data)

    async def get_product(envelope: Envelope[GetProduct]) -> Product:
        return await handlers.get_product(catalog, brand_of(envelope), envelope.data)

    async def get_config(envelope: Envelope[GetProductConfig]) -> WidgetConfig:
        return await handlers.get_config(catalog, brand_of(envelope), envelope.data.product_id)

    async def set_view_photo(
        uow: UnitOfWork[PersonalizationRepository], envelope: Envelope[SetViewPhoto]
    ) -> Product:
        return await handlers.set_view_photo(uow, catalog, brand_of(envelope), envelope.data)

    async def set_product_model(
        uow: UnitOfWork[PersonalizationRepository], envelope: Envelope[SetProductModel]
    ) -> Product:
        return await handlers.set_product_model(uow, catalog, brand_of(envelope),
                                                envelope.data)

    runtime.bus.serve_command(CREATE_PRODUCT, create_product)
    runtime.bus.serve_command(SET_VIEW_PHOTO, set_view_photo)
    runtime.bus.serve_command(SET_PRODUCT_MODEL, set_product_model)
    runtime.bus.serve_command(PUBLISH_TEMPLATE, publish_template)
    runtime.bus.serve(GET_PRODUCT, get_product)
    runtime.bus.serve(GET_PRODUCT_CONFIG, get_config)


def register_design(runtime: Runtime, catalog: Catalog) -> None:
    async def validate(envelope: Envelope[ValidateDesign]) -> ValidationResult:
        return await handlers.validate_design(catalog, brand_of(envelope), envelope.data)

    async def normalize(envelope: Envelope[ValidateDesign]) -> ValidationResult:
        return await handlers.normalize_design(catalog, brand_of(envelope), envelope.data)

    async def autofit(envelope: Envelope[ValidateDesign]) -> ValidationResult:
        return await handlers.autofit_design(catalog, brand_of(envelope), envelope.data)

    runtime.bus.serve(VALIDATE_DESIGN, validate)
    runtime.bus.serve(NORMALIZE_DESIGN, normalize)
    runtime.bus.serve(AUTOFIT_DESIGN, autofit)


def register_fonts(
    runtime: Runtime, fonts: PinnedFonts, store: ObjectStore, settings: PersonalizationSettings
) -> None:
    async def register_font(
        uow: UnitOfWork[PersonalizationRepository], envelope: Envelope[RegisterFont]
    ) -> FontInfo:
        return await handlers.register_font(
            uow, fonts, store, settings.max_font_bytes, brand_of(envelope), envelope.data
        )

    async def list_fonts(envelope: Envelope[ListFonts]) -> FontList:
        return await handlers.list_fonts(runtime.uow(), brand_of(envelope))

    runtime.bus.serve_command(REGISTER_FONT, register_font)
    runtime.bus.serve(LIST_FONTS, list_fonts)


def register_word_lists(runtime: Runtime, catalog: Catalog) -> None:
    async def set_word_list(
        uow: UnitOfWork[PersonalizationRepository], envelope: Envelope[WordList]
    ) -> WordList:
        return await handlers.set_word_list(uow, catalog, brand_of(envelope), envelope.data)

    async def get_word_list(envelope: Envelope[GetWordList]) -> WordList:
        return await handlers.get_word_list(runtime.uow(), brand_of(envelope))

    async def check_words(envelope: Envelope[CheckWords]) -> WordCheck:
        return await handlers.check_words(catalog, brand_of(envelope), envelope.data)

    runtime.bus.serve_command(SET_WORD_LIST, set_word_list)
    runtime.bus.serve(GET_WORD_LIST, get_word_list)
    runtime.bus.serve(CHECK_WORDS, check_words)


def register_analytics(runtime: Runtime) -> None:
    async def record_events(
        uow: UnitOfWork[PersonalizationRepository], envelope: Envelope[WidgetEventsReceived]
    ) -> None:
        await handlers.record_widget_events(uow, brand_of(envelope), envelope.data)

    async def funnel(envelope: Envelope[GetFunnel]) -> Funnel:
        return await handlers.funnel(runtime.uow(), brand_of(envelope), envelope.data)

    runtime.bus.consume(WIDGET_EVENTS_RECEIVED, "widget-events", record_events)
    runtime.bus.serve(FUNNEL, funnel)
