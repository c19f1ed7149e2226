"""Use cases of the gateway: each turns one public request into bus calls and table rows."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.catalog import (
    AUTOFIT_DESIGN,
    CREATE_PRODUCT,
    CREATE_SNAPSHOT,
    CREATE_SPEC,
    GET_PREVIEW,
    GET_PRODUCT,
    GET_PRODUCT_CONFIG,
    GET_SNAPSHOT,
    GET_SPEC,
    GET_WORD_LIST,
    LIST_FONTS,
    LOCK_SNAPSHOT,
    NORMALIZE_DESIGN,
    PUBLISH_TEMPLATE,
    REGISTER_FONT,
    SET_WORD_LIST,
    VALIDATE_DESIGN,
    VALIDATE_SNAPSHOT,
    VALIDATE_SPEC,
    Message,
)
from atelier.contracts.personalization import (
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
    ValidationResult,
    WidgetConfig,
    WordList,
)
from atelier.contracts.render import GetPreview, PreviewStatus, RenderStatus
from atelier.contracts.snapshot import (
    CreateSnapshot,
    GetSnapshot,
    LockSnapshot,
    Provenance,
    SnapshotView,
    ValidateSnapshot,
)
from atelier.contracts.spec import (
    CreateSpec,
    GetSpec,
    SpecCreatedReply,
    SpecValidation,
    StoredSpec,
    ValidateSpec,
)
from atelier.gateway import domain, repository, schemas
from atelier.gateway.auth import Caller, Keys
from atelier.gateway.domain import KeyKind
from atelier.gateway.models import ApiKeyRow, BrandRow, IdempotencyRow
from atelier.gateway.settings import GatewaySettings
from atelier.kit.broker import errors_of
from atelier.kit.errors import Conflict, Invalid, NotFound
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectNotFound

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class StoredResponse:
    """A response as sent, so an Idempotency-Key can replay it byte for byte."""

    status_code: int
    body: str
    replayed: bool = False


async def call(runtime: Runtime, caller: Caller, message: Message, data: BaseModel) -> Any:
    """Every bus call carries the caller's brand, the only one it may act for."""
    return await runtime.bus.call(
        message, data, brand_id=caller.brand_id, correlation_id=caller.correlation_id
    )


def command(model: type[M], **fields: Any) -> M:
    """A bus message built from a checked body and the path: a rule across them (unique zone
    keys, say) that still fails is the client's error, not ours."""
    try:
        return model(**fields)
    except ValidationError as exc:
        raise Invalid("The request has invalid fields.", errors_of(exc)) from exc


async def create_brand(runtime: Runtime, request: schemas.CreateBrand) -> schemas.BrandCreated:
    publishable, secret = domain.issue_key(KeyKind.PUBLISHABLE), domain.issue_key(KeyKind.SECRET)
    async with runtime.uow() as uow:
        brand = await repository.add_brand(uow.session, request.name, request.allowed_origins)
        for key in (publishable, secret):
            await repository.add_key(uow.session, brand.id, key)
        await uow.commit()
    return schemas.BrandCreated(
        id=brand.id,
        name=brand.name,
        allowed_origins=brand.allowed_origins,
        publishable_key=publishable.plaintext,
        secret_key=secret.plaintext,
    )


# --- admin: the brand ------------------------------------------------------------------------


def _brand_view(row: BrandRow) -> schemas.Brand:
    return schemas.Brand(id=row.id, name=row.name, allowed_origins=row.allowed_origins)


async def brand(runtime: Runtime, caller: Caller) -> schemas.Brand:
    async with runtime.uow() as uow:
        row = await repository.brand(uow.session, caller.brand_id)
        if row is None:  # a key or token of a brand that is gone
            raise NotFound.of("brand", "brand_id")
        return _brand_view(row)


async def set_allowed_origins(
    runtime: Runtime, caller: Caller, keys: Keys, origins: schemas.BrandOrigins
) -> schemas.Brand:
    """Replace the storefront origins the brand's widget may call from."""
    async with runtime.uow() as uow:
        row = await repository.set_allowed_origins(uow.session, caller.brand_id,
                                                   origins.allowed_origins)
        if row is None:
            raise NotFound.of("brand", "brand_id")
        view = _brand_view(row)
        await uow.commit()
    keys.forget_brand(caller.brand_id)
    return view


# --- admin: API keys --------------------------------------------------------------------------


def _key_view(row: ApiKeyRow) -> schemas.ApiKey:
    return schemas.ApiKey(id=row.id, kind=KeyKind(row.kind), key_prefix=row.key_prefix,
                          created_at=row.created_at, revoked_at=row.revoked_at)


async def api_keys(runtime: Runtime, caller: Caller) -> schemas.ApiKeys:
    async with runtime.uow() as uow:
        rows = await repository.keys_of(uow.session, caller.brand_id)
        return schemas.ApiKeys(keys=[_key_view(row) for row in rows])


async def create_api_key(
    runtime: Runtime, caller: Caller, new: schemas.NewKey
) -> schemas.IssuedKey:
    issued = domain.issue_key(new.kind)
    async with runtime.uow() as uow:
        view = _key_view(await repository.add_key(uow.session, caller.brand_id, issued))
        await uow.commit()
    return schemas.IssuedKey(**dict(view), key=issued.plaintext)


async def revoke_api_key(
    runtime: Runtime, caller: Caller, keys: Keys, key_id: str
) -> schemas.ApiKey:
    """Revoke a key for good (again: nothing changes). The brand's last secret key stays: without
    one, nobody but its token users could manage the brand any more."""
    async with runtime.uow() as uow:
        row = await repository.key_for_update(uow.session, caller.brand_id, key_id)
        if row is None:
            raise NotFound.of("API key", "key_id")
        if row.revoked_at is not None:
            return _key_view(row)
        if row.kind == KeyKind.SECRET and \
                await repository.active_secret_keys(uow.session, caller.brand_id) == 1:
            message = "This is the brand's last secret key: create another one first."
            raise Conflict(message, [ErrorItem(field="key_id", code=ErrorCode.CONFLICT,
                                               message=message)])
        view, key_hash = _key_view(await repository.revoke_key(uow.session, row)), row.key_hash
        await uow.commit()
    keys.forget(key_hash)
    return view


# --- admin: products, templates, fonts, word list -------------------------------------------


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


# --- the widget: configuration, validation, specs ---------------------------------------------


async def product_config(runtime: Runtime, caller: Caller, product_id: str) -> WidgetConfig:
    return await call(runtime, caller, GET_PRODUCT_CONFIG, GetProductConfig(product_id=product_id))


DESIGN_CHECKS: dict[str, Message] = {"validate": VALIDATE_DESIGN, "normalize": NORMALIZE_DESIGN,
                 "autofit": AUTOFIT_DESIGN}


async def check_design(
    runtime: Runtime, caller: Caller, design: schemas.Design, check: str = "validate"
) -> ValidationResult:
    """``validate``, ``normalize`` or ``autofit`` a design: the design goes on as it came."""
    return await call(runtime, caller, DESIGN_CHECKS[check], design)


async def create_spec(runtime: Runtime, caller: Caller, design: schemas.Design) -> StoredSpec:
    """Validate, then store the resolved design as a spec; an invalid design writes nothing."""
    result = await check_design(runtime, caller, design)
    if not result.valid or result.design is None:
        raise Invalid("The design is not valid.", domain.design_errors(result))
    stored: SpecCreatedReply = await call(runtime, caller, CREATE_SPEC,
                                          CreateSpec(spec=result.design))
    return StoredSpec(spec_hash=stored.spec_hash, spec=result.design,
                      canonical_json=stored.canonical_json)


async def spec(runtime: Runtime, caller: Caller, spec_hash: str) -> StoredSpec:
    return await call(runtime, caller, GET_SPEC, GetSpec(spec_hash=spec_hash))


async def check_spec(runtime: Runtime, caller: Caller, document: ValidateSpec) -> SpecValidation:
    return await call(runtime, caller, VALIDATE_SPEC, document)


# --- snapshots ----------------------------------------------------------------------------------


def provenance(caller: Caller) -> Provenance:
    grant = caller.grant
    widget = grant is not None and grant.kind is KeyKind.PUBLISHABLE
    return Provenance(
        source="widget" if widget else "api",
        key_prefix=grant.key_prefix if grant is not None else None,
        origin=caller.origin,
        user_agent=caller.user_agent,
        correlation_id=caller.correlation_id,
    )


async def create_snapshot(
    runtime: Runtime, caller: Caller, design: schemas.Design, request_key: str | None
) -> schemas.Snapshot:
    """Validate, store the spec, then snapshot it; an invalid design writes nothing."""
    stored = await create_spec(runtime, caller, design)
    view: SnapshotView = await call(
        runtime, caller, CREATE_SNAPSHOT,
        CreateSnapshot(spec_hash=stored.spec_hash, spec=stored.spec, request_key=request_key,
                       provenance=provenance(caller)),
    )
    return _with_preview(view, schemas.Preview(status=RenderStatus.PENDING))


async def create_snapshot_once(
    runtime: Runtime, caller: Caller, design: schemas.Design, idempotency_key: str | None
) -> StoredResponse:
    """``create_snapshot`` under the client's Idempotency-Key (a retried click, a lost reply).

    The gateway replays its first answer byte for byte; the snapshot service, given the same key
    as ``request_key``, also returns the same snapshot should a retry get past the gateway's
    record (one lost between the snapshot's creation and the record of the answer)."""

    async def respond() -> StoredResponse:
        created = await create_snapshot(runtime, caller, design, idempotency_key)
        return StoredResponse(201, created.model_dump_json())

    fingerprint = domain.request_hash("POST /v1/snapshots", design.model_dump(mode="json"))
    return await idempotently(runtime, caller, idempotency_key, fingerprint, respond)


async def snapshot(runtime: Runtime, caller: Caller, snapshot_id: str) -> schemas.Snapshot:
    view: SnapshotView = await call(
        runtime, caller, GET_SNAPSHOT, GetSnapshot(snapshot_id=snapshot_id)
    )
    try:
        status: PreviewStatus = await call(
            runtime, caller, GET_PREVIEW, GetPreview(spec_hash=view.spec_hash)
        )
    except NotFound:  # render has not started on it yet
        return _with_preview(view, schemas.Preview(status=RenderStatus.PENDING))
    ready = status.status is RenderStatus.READY and status.object_key is not None
    url = domain.asset_url(status.object_key) if ready else None  # type: ignore[arg-type]
    return _with_preview(view, schemas.Preview(status=status.status, url=url))


def _with_preview(view: SnapshotView, preview: schemas.Preview) -> schemas.Snapshot:
    return schemas.Snapshot(**dict(view), preview=preview)


async def validate_snapshot(runtime: Runtime, caller: Caller, snapshot_id: str) -> SnapshotView:
    """A brand user approves the snapshot; the snapshot service refuses an illegal transition."""
    return await call(runtime, caller, VALIDATE_SNAPSHOT,
                      ValidateSnapshot(snapshot_id=snapshot_id, by=caller.actor))


async def lock_snapshot(
    runtime: Runtime, caller: Caller, snapshot_id: str, lock: schemas.Lock
) -> SnapshotView:
    return await call(runtime, caller, LOCK_SNAPSHOT,
                      LockSnapshot(snapshot_id=snapshot_id, by=caller.actor, reason=lock.reason))


async def idempotently(
    runtime: Runtime,
    caller: Caller,
    idempotency_key: str | None,
    request_hash: str,
    respond: Callable[[], Awaitable[StoredResponse]],
) -> StoredResponse:
    """Run ``respond`` once per Idempotency-Key: the same request again gets the first answer.

    ``respond`` returns successes and raises errors, so only a success is remembered; after an
    error the client may retry with the same key.
    """
    if idempotency_key is None:
        return await respond()
    settings: GatewaySettings = runtime.settings  # type: ignore[assignment]
    stale_after = timedelta(seconds=settings.idempotency_claim_timeout_s)
    async with runtime.uow() as uow:
        earlier = await repository.claim_idempotency_key(
            uow.session, caller.brand_id, idempotency_key, request_hash, stale_after
        )
        await uow.commit()
    if earlier is not None:
        return _replay(earlier, request_hash)
    try:
        response = await respond()
    except BaseException:
        async with runtime.uow() as uow:
            await repository.release_idempotency_key(uow.session, caller.brand_id, idempotency_key)
            await uow.commit()
        raise
    async with runtime.uow() as uow:
        await repository.store_response(
            uow.session, caller.brand_id, idempotency_key, response.status_code, response.body
        )
        await uow.commit()
    return response


def _replay(earlier: IdempotencyRow, request_hash: str) -> StoredResponse:
    if earlier.request_hash != request_hash:
        message = "This Idempotency-Key was used with another request; use a new key."
        raise Invalid(message, _key_error(ErrorCode.IDEMPOTENCY_KEY_REUSED, message))
    if earlier.status_code is None or earlier.response_body is None:
        message = "The first request with this Idempotency-Key is still running; retry shortly."
        raise Conflict(message, _key_error(ErrorCode.IDEMPOTENCY_IN_PROGRESS, message))
    return StoredResponse(earlier.status_code, earlier.response_body, replayed=True)


def _key_error(code: ErrorCode, message: str) -> list[ErrorItem]:
    return [ErrorItem(field="Idempotency-Key", code=code, message=message)]


async def asset(runtime: Runtime, key: str) -> bytes:
    """A public, content-addressed object; anything else does not exist for the public."""
    if runtime.store is None or not domain.is_public_asset(key):
        raise NotFound.of("asset", "key")
    try:
        return await runtime.store.get(key)
    except (ObjectNotFound, ValueError):  # ValueError: a key that cannot name an object
        raise NotFound.of("asset", "key") from None
