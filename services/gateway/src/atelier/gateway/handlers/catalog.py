"""The brand's catalog, administered: products and their templates, photos, fonts, the word
list."""

import asyncio

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.catalog import (
    CHECK_WORDS,
    CREATE_PRODUCT,
    GET_PRODUCT,
    GET_WORD_LIST,
    LIST_FONTS,
    PUBLISH_TEMPLATE,
    REGISTER_FONT,
    SET_PRODUCT_MODEL,
    SET_VIEW_PHOTO,
    SET_WORD_LIST,
)
from atelier.contracts.model3d import model_object_key
from atelier.contracts.personalization import (
    CheckWords,
    CreateProduct,
    FontInfo,
    FontList,
    GetProduct,
    GetWordList,
    ListFonts,
    Product,
    PublishTemplate,
    RegisterFont,
    SetProductModel,
    SetViewPhoto,
    WordCheck,
    WordList,
)
from atelier.contracts.spec import photo_object_key
from atelier.gateway import domain, models3d, photos, schemas
from atelier.gateway.auth import Caller
from atelier.gateway.handlers.bus import call, command
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.runtime import Runtime
from atelier.typeset import FontRefused, check_font


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
    publish = command(PublishTemplate, product_id=product_id, views=template.views,
                      zones=template.zones, model=template.model)
    return await call(runtime, caller, PUBLISH_TEMPLATE, publish)


async def set_view_photo(
    runtime: Runtime, caller: Caller, product_id: str, view: str, data: bytes
) -> Product:
    """Check the photo by its content, then store it under its hash and have personalization
    publish it on the view. Nothing is stored for a file that is no photo, or for a product or
    view that does not exist (checked first; one removed in between leaves an object nothing
    refers to)."""
    try:
        photo = await asyncio.to_thread(photos.inspect_photo, data)  # decoding takes a while
    except photos.PhotoRefused as exc:
        raise Invalid(exc.error.message, [exc.error]) from None
    current = await product(runtime, caller, product_id, None)
    if view not in {v.key for v in current.views}:
        raise NotFound.of("view", "view")
    assert runtime.store is not None  # bootstrap gives the gateway its store
    await runtime.store.put(photo_object_key(photo.ref.sha256), data, photo.content_type)
    set_photo = SetViewPhoto(product_id=product_id, view=view, photo=photo.ref,
                             content_type=photo.content_type, size_bytes=len(data))
    return await call(runtime, caller, SET_VIEW_PHOTO, set_photo)


async def set_shape(
    runtime: Runtime, caller: Caller, product_id: str, shape: schemas.Shape
) -> Product:
    """The product's 3D model as a parametric shape, published as its next template version."""
    return await call(runtime, caller, SET_PRODUCT_MODEL,
                      SetProductModel(product_id=product_id, model=shape.shape))


async def set_glb(runtime: Runtime, caller: Caller, product_id: str, data: bytes) -> Product:
    """Check the GLB by its content and against the product's zones, then store it under its
    hash and have personalization publish it as the product's model. Nothing is stored for a
    file that is refused, or for a product that does not exist."""
    try:
        glb = await asyncio.to_thread(models3d.inspect_glb, data)
        current = await product(runtime, caller, product_id, None)
        models3d.zones_named(glb, [zone.key for zone in current.zones])
    except models3d.ModelRefused as exc:
        raise Invalid(exc.error.message, [exc.error]) from None
    assert runtime.store is not None  # bootstrap gives the gateway its store
    await runtime.store.put(model_object_key(glb.model.sha256), data, models3d.CONTENT_TYPE)
    return await call(runtime, caller, SET_PRODUCT_MODEL, SetProductModel(
        product_id=product_id, model=glb.model, triangles=glb.triangles))


async def upload_font(runtime: Runtime, caller: Caller, data: bytes, filename: str) -> FontInfo:
    """Check the file, store it under its content hash, then have personalization record it.

    The check is the typesetting engine's, the one personalization and render load every font
    with (``atelier.typeset.check_font``), run before anything is stored: a refused file leaves
    nothing behind. A file stored but never recorded (personalization down, or refusing it after
    all) is an orphan that personalization's housekeeping deletes."""
    assert runtime.store is not None  # bootstrap gives the gateway its store
    try:  # parsing a font takes milliseconds of CPU: off the event loop
        await asyncio.to_thread(check_font, data)
    except FontRefused as refused:
        raise Invalid(str(refused), [ErrorItem(
            field="file", code=ErrorCode(refused.code), message=str(refused))]) from refused
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


async def check_words(runtime: Runtime, caller: Caller, command: CheckWords) -> WordCheck:
    return await call(runtime, caller, CHECK_WORDS, command)
