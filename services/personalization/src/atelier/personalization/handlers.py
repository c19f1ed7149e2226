"""Use cases of the personalization service: load what is needed, let the domain and the rules
engine decide, write through a unit of work."""

import hashlib

from atelier.contracts import ErrorCode, ErrorItem, new_id
from atelier.contracts.analytics import Funnel, GetFunnel, ValidationFailures, WidgetEventsReceived
from atelier.contracts.catalog import TEMPLATE_PUBLISHED
from atelier.contracts.model3d import ProductModel, UploadedModel
from atelier.contracts.personalization import (
    CheckWords,
    CreateProduct,
    FontInfo,
    FontList,
    GetProduct,
    Product,
    PublishTemplate,
    RegisterFont,
    SetProductModel,
    SetViewPhoto,
    TemplatePublished,
    TextZone,
    ValidateDesign,
    ValidationResult,
    View,
    WidgetConfig,
    WordCheck,
    WordList,
)
from atelier.contracts.spec import font_object_key
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.outbox import UnitOfWork
from atelier.kit.storage import ObjectNotFound, ObjectStore
from atelier.personalization import domain, rules
from atelier.personalization.catalog import Catalog
from atelier.personalization.domain import Template
from atelier.personalization.fonts import brand_font_info, shipped_font_info
from atelier.personalization.models import (
    FontRow,
    ModelRow,
    PhotoRow,
    ProductRow,
    WidgetEventRow,
)
from atelier.personalization.repository import PersonalizationRepository
from atelier.typeset import FontRefused
from atelier.typeset.fonts import SHIPPED
from atelier.typeset.pinned import PinnedFonts

FIRST_VERSION = 1
FUNNEL_CODES = 50  # validation failure codes a funnel lists at most


# --- products and templates ----------------------------------------------------------------------
async def create_product(
    uow: UnitOfWork[PersonalizationRepository], catalog: Catalog, brand_id: str,
    command: CreateProduct,
) -> Product:
    """A new product with its first template, published."""
    await check_fonts(uow, brand_id, command.zones)
    await check_photos(uow, brand_id, command.views)
    await check_model(uow, brand_id, command.model)
    product = ProductRow(id=new_id(), brand_id=brand_id, name=command.name,
                         current_template_version=FIRST_VERSION)
    await uow.repository.add_product(product)
    return (await publish(uow, catalog, brand_id, product, command.views, command.zones,
                          command.model)).product()


async def publish_template(
    uow: UnitOfWork[PersonalizationRepository], catalog: Catalog, brand_id: str,
    command: PublishTemplate,
) -> Product:
    """The product's next template version becomes current; earlier versions stay as they are."""
    product = await uow.repository.next_version(brand_id, command.product_id)
    if product is None:
        raise NotFound.of("product", "product_id")
    await check_fonts(uow, brand_id, command.zones)
    await check_photos(uow, brand_id, command.views)
    await check_model(uow, brand_id, command.model)
    return (await publish(uow, catalog, brand_id, product, command.views, command.zones,
                          command.model)).product()


async def set_view_photo(
    uow: UnitOfWork[PersonalizationRepository], catalog: Catalog, brand_id: str,
    command: SetViewPhoto,
) -> Product:
    """Record an uploaded photo (the gateway checked and stored it) and publish the product's
    next version with it on the view; the current version when the view has it already."""
    current = await catalog.template(brand_id, command.product_id)
    view = next((v for v in current.views if v.key == command.view), None)
    if view is None:
        raise NotFound.of("view", "view")
    if view.photo == command.photo:
        return current.product()  # the same photo again: nothing to publish
    await uow.repository.add_photo(PhotoRow(
        brand_id=brand_id, sha256=command.photo.sha256, width_px=command.photo.width_px,
        height_px=command.photo.height_px, content_type=command.content_type,
        size_bytes=command.size_bytes))
    product = await uow.repository.next_version(brand_id, command.product_id)
    if product is None:
        raise NotFound.of("product", "product_id")
    # the views of the version the lock made us next to, not of a possibly stale cache
    latest = await uow.repository.template(brand_id, product.id,
                                           product.current_template_version - 1)
    assert latest is not None  # versions are never deleted
    views = domain.with_photo(latest.views, command.view, command.photo)
    if views is None:  # a version published meanwhile dropped the view
        raise NotFound.of("view", "view")
    return (await publish(uow, catalog, brand_id, product, views, latest.zones,
                          latest.model)).product()


async def set_product_model(
    uow: UnitOfWork[PersonalizationRepository], catalog: Catalog, brand_id: str,
    command: SetProductModel,
) -> Product:
    """Record an uploaded GLB (the gateway checked and stored it) and publish the product's
    next version with the model; the current version when it has that model already."""
    current = await catalog.template(brand_id, command.product_id)
    if current.model == command.model:
        return current.product()  # the same model again: nothing to publish
    if isinstance(command.model, UploadedModel):
        await uow.repository.add_model(ModelRow(
            brand_id=brand_id, sha256=command.model.sha256,
            size_bytes=command.model.size_bytes, triangles=command.triangles or 0))
    product = await uow.repository.next_version(brand_id, command.product_id)
    if product is None:
        raise NotFound.of("product", "product_id")
    latest = await uow.repository.template(brand_id, product.id,
                                           product.current_template_version - 1)
    assert latest is not None  # versions are never deleted
    return (await publish(uow, catalog, brand_id, product, latest.views, latest.zones,
                          command.model)).product()


async def publish(
    uow: UnitOfWork[PersonalizationRepository], catalog: Catalog, brand_id: str,
    product: ProductRow, views: list[View], zones: list[TextZone],
    model: ProductModel | None = None,
) -> Template:
    """Insert the product's current template version and announce it, in the command's
    transaction; the catalog serves it once that committed. Without views, the zones are
    stacked on one (``domain.placed``), so that a template always says where its zones are.
    A parametric model must have room on its faces for the views."""
    views, zones = domain.placed(views, zones)
    errors = domain.unfit_model(model, views)
    if errors:
        raise Invalid("A view does not fit on the product's 3D model.", errors)
    template = Template(product.id, product.name, product.current_template_version, views,
                        zones, model)
    await uow.repository.add_template(brand_id, template)
    uow.emit(TEMPLATE_PUBLISHED,
             TemplatePublished(product_id=template.product_id, version=template.version),
             brand_id=brand_id)
    uow.after_commit(lambda: catalog.published(brand_id, template))
    return template


async def check_fonts(
    uow: UnitOfWork[PersonalizationRepository], brand_id: str, zones: list[TextZone]
) -> None:
    """Every font a zone offers is shipped or one of the brand's."""
    wanted = [font_id for font_id in domain.fonts_used(zones) if font_id not in SHIPPED]
    brand_fonts = await uow.repository.fonts(brand_id, wanted) if wanted else []
    errors = domain.unknown_fonts(zones, SHIPPED.keys() | {font.id for font in brand_fonts})
    if errors:
        raise Invalid("A zone offers a font that is neither shipped nor one of yours.", errors)


async def check_photos(
    uow: UnitOfWork[PersonalizationRepository], brand_id: str, views: list[View]
) -> None:
    """Every photo a view names is one the brand uploaded."""
    hashes = {view.photo.sha256 for view in views if view.photo is not None}
    known = await uow.repository.photo_hashes(brand_id, hashes) if hashes else set()
    errors = domain.unknown_photos(views, known)
    if errors:
        raise Invalid("A view names a photo that was never uploaded.", errors)


async def check_model(
    uow: UnitOfWork[PersonalizationRepository], brand_id: str, model: ProductModel | None
) -> None:
    """A GLB the template names is one the brand uploaded."""
    known = await uow.repository.model_hashes(brand_id, {model.sha256}) \
        if isinstance(model, UploadedModel) else set()
    errors = domain.unknown_model(model, known)
    if errors:
        raise Invalid("The template names a 3D model that was never uploaded.", errors)


async def get_product(catalog: Catalog, brand_id: str, query: GetProduct) -> Product:
    return (await catalog.template(brand_id, query.product_id, query.version)).product()


async def get_config(catalog: Catalog, brand_id: str, product_id: str) -> WidgetConfig:
    template = await catalog.template(brand_id, product_id)
    return WidgetConfig(
        product_id=template.product_id,
        name=template.name,
        template_version=template.version,
        views=template.views,
        zones=template.zones,
        fonts=await catalog.font_infos(brand_id, template.font_ids),
        words=rules.widget_words(await catalog.word_list(brand_id)),
        rules=rules.widget_rules(),
        model=template.model,
    )


# --- shopper input -------------------------------------------------------------------------------
async def validate_design(
    catalog: Catalog, brand_id: str, command: ValidateDesign
) -> ValidationResult:
    template = await catalog.template(brand_id, command.product_id)
    return rules.validate_design(
        template.product_id,
        template.version,
        template.zones,
        command.values,
        await catalog.font_hashes(brand_id, template),
        await catalog.word_list(brand_id),
        template.views,
        template.model,
    )


async def normalize_design(
    catalog: Catalog, brand_id: str, command: ValidateDesign
) -> ValidationResult:
    template = await catalog.template(brand_id, command.product_id)
    return rules.normalize_design(template.zones, command.values)


async def autofit_design(
    catalog: Catalog, brand_id: str, command: ValidateDesign
) -> ValidationResult:
    template = await catalog.template(brand_id, command.product_id)
    return rules.autofit_design(
        template.zones, command.values, await catalog.font_hashes(brand_id, template)
    )


# --- brand fonts ---------------------------------------------------------------------------------
async def register_font(
    uow: UnitOfWork[PersonalizationRepository],
    fonts: PinnedFonts,
    store: ObjectStore,
    max_bytes: int,
    brand_id: str,
    command: RegisterFont,
) -> FontInfo:
    """Record a font the brand uploaded, once it is known to be a real, drawable font."""
    data = await uploaded(store, command.object_key)
    sha256 = hashlib.sha256(data).hexdigest()
    error = domain.font_size_error(len(data), max_bytes)
    if error is not None:
        raise Invalid(error.message, [error])
    if command.object_key != font_object_key(sha256):
        raise Invalid("The font is not stored under its content address.", [ErrorItem(
            field="object_key", code=ErrorCode.INVALID_FIELD,
            message=f"A font is stored under {font_object_key(sha256)}.")])
    font = await uow.repository.font_by_hash(brand_id, sha256)
    if font is None:
        font = await add_font(uow, fonts, brand_id, command, data, sha256)
    return brand_font_info(font)


async def uploaded(store: ObjectStore, object_key: str) -> bytes:
    try:
        return await store.get(object_key)
    except (ObjectNotFound, ValueError) as exc:  # ValueError: not a valid object key
        raise Invalid("No uploaded file under this key.", [ErrorItem(
            field="object_key", code=ErrorCode.INVALID_FIELD,
            message="Upload the font file first.")]) from exc


async def add_font(
    uow: UnitOfWork[PersonalizationRepository], fonts: PinnedFonts, brand_id: str,
    command: RegisterFont, data: bytes, sha256: str,
) -> FontRow:
    font_id = new_id()
    try:  # loaded as every font the engine draws is (shaped and drawn with: the deepest check
        # there is): refused when it is not a font, or when its outlines would recurse or
        # explode (atelier.typeset.fontcheck)
        fonts.add(data)
    except FontRefused as refused:
        error = domain.refused_font(refused)
        raise Invalid(error.message, [error]) from refused
    font = await uow.repository.add_font(FontRow(
        id=font_id, brand_id=brand_id, family=domain.font_family(data, command.filename),
        sha256=sha256, object_key=command.object_key, size_bytes=len(data),
        filename=command.filename))
    return font


async def list_fonts(uow: UnitOfWork[PersonalizationRepository], brand_id: str) -> FontList:
    """The shipped fonts, then the brand's own, oldest first."""
    async with uow:
        brand_fonts = await uow.repository.fonts(brand_id)
        return FontList(fonts=[shipped_font_info(font_id) for font_id in SHIPPED]
                        + [brand_font_info(font) for font in brand_fonts])


# --- word lists ----------------------------------------------------------------------------------
async def set_word_list(
    uow: UnitOfWork[PersonalizationRepository], catalog: Catalog, brand_id: str, words: WordList
) -> WordList:
    cleaned, errors = domain.clean_word_list(words)
    if errors:
        raise Invalid("Some entries of the word list are not valid words.", errors)
    await uow.repository.set_word_list(brand_id, cleaned)
    uow.after_commit(lambda: catalog.word_list_set(brand_id, cleaned))
    return cleaned


async def get_word_list(uow: UnitOfWork[PersonalizationRepository], brand_id: str) -> WordList:
    async with uow:
        return await uow.repository.word_list(brand_id)


async def check_words(catalog: Catalog, brand_id: str, command: CheckWords) -> WordCheck:
    """Which of the brand's entries a test text matches, and why."""
    return rules.check_words(command.text, await catalog.word_list(brand_id))


# --- the widget's analytics ----------------------------------------------------------------------
async def record_widget_events(
    uow: UnitOfWork[PersonalizationRepository], brand_id: str, batch: WidgetEventsReceived
) -> int:
    """Store a batch the gateway accepted for the brand; events naming a product that is not
    the brand's are dropped (a key is public: nobody fills the table with made-up products).
    Returns how many were stored."""
    known = await uow.repository.product_ids(brand_id, {e.product_id for e in batch.events})
    rows = [WidgetEventRow(brand_id=brand_id, product_id=e.product_id, session_id=e.session_id,
                           name=e.name.value, occurred_at=e.at, received_at=batch.received_at,
                           props=e.props)
            for e in batch.events if e.product_id in known]
    if rows:
        await uow.repository.add_widget_events(rows)
    return len(rows)


async def funnel(uow: UnitOfWork[PersonalizationRepository], brand_id: str,
                 query: GetFunnel) -> Funnel:
    async with uow:
        window = (brand_id, query.product_id, query.since, query.until)
        sessions_by_steps = await uow.repository.funnel_sessions(*window)
        failures = await uow.repository.validation_failures(*window, FUNNEL_CODES)
    steps = domain.funnel_steps(sessions_by_steps)
    return Funnel(
        product_id=query.product_id, since=query.since, until=query.until, steps=steps,
        validation_failed=[ValidationFailures(code=code, events=events, sessions=sessions)
                           for code, events, sessions in failures],
        overall_conversion=domain.ratio(steps[-1].funnel_sessions, steps[0].funnel_sessions),
    )
