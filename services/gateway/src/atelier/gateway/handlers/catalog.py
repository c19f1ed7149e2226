"""The brand's catalog, administered: products and their templates, fonts, the word list."""

from atelier.contracts.catalog import (
    CREATE_PRODUCT,
    GET_PRODUCT,
    GET_WORD_LIST,
    LIST_FONTS,
    PUBLISH_TEMPLATE,
    REGISTER_FONT,
    SET_WORD_LIST,
)
from atelier.contracts.personalization import (
    CreateProduct,
    FontInfo,
    FontList,
    GetProduct,
    GetWordList,
    ListFonts,
    Product,
    PublishTemplate,
    RegisterFont,
    WordList,
)
from atelier.gateway import domain, schemas
from atelier.gateway.auth import Caller
from atelier.gateway.handlers.bus import call, command
from atelier.kit.runtime import Runtime


async def create_product(runtime: Runtime, caller: Caller, product: CreateProduct) -> Product:
    return await call(runtime, caller, CREATE_PRODUCT, product)


async def product(
    runtime: Runtime, caller: Caller, product_id: str, version: int | None
) -> Product:
    return await call(runtime, caller, GET_PRODUCT, GetProduct(product_id=product_id,
                                                               version=version))


async def publish_template(
    runtime: Runtime, caller: Caller, product_id: str, template: schemas.Template
) -> Product:
    publish = command(PublishTemplate, product_id=product_id, zones=template.zones)
    return await call(runtime, caller, PUBLISH_TEMPLATE, publish)


async def upload_font(runtime: Runtime, caller: Caller, data: bytes, filename: str) -> FontInfo:
    """Store the file under its content hash, then have personalization check and record it.

    A file personalization refuses stays stored but unreferenced: the same bytes always get the
    same verdict, so the object can never become a font of anyone."""
    assert runtime.store is not None  # bootstrap gives the gateway its store
    object_key = domain.font_key(data)
    await runtime.store.put(object_key, data, domain.media_type_of(object_key))
    register = RegisterFont(object_key=object_key, filename=filename)
    return await call(runtime, caller, REGISTER_FONT, register)


async def fonts(runtime: Runtime, caller: Caller) -> FontList:
    return await call(runtime, caller, LIST_FONTS, ListFonts())


async def set_word_list(runtime: Runtime, caller: Caller, words: WordList) -> WordList:
    return await call(runtime, caller, SET_WORD_LIST, words)


async def word_list(runtime: Runtime, caller: Caller) -> WordList:
    return await call(runtime, caller, GET_WORD_LIST, GetWordList())
