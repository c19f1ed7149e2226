"""Use cases of the gateway: each turns one public request into bus calls and table rows."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.catalog import (
    CREATE_PRODUCT,
    CREATE_SNAPSHOT,
    CREATE_SPEC,
    GET_PREVIEW,
    GET_PRODUCT_CONFIG,
    GET_SNAPSHOT,
    VALIDATE_DESIGN,
    Message,
)
from atelier.contracts.personalization import (
    CreateProduct,
    GetProductConfig,
    Product,
    ValidateDesign,
    ValidationResult,
    WidgetConfig,
)
from atelier.contracts.render import GetPreview, PreviewStatus, RenderStatus
from atelier.contracts.snapshot import CreateSnapshot, GetSnapshot, SnapshotView
from atelier.contracts.spec import CreateSpec, SpecCreatedReply
from atelier.gateway import domain, repository, schemas
from atelier.gateway.auth import Caller
from atelier.gateway.domain import KeyKind
from atelier.gateway.models import IdempotencyRow
from atelier.gateway.settings import GatewaySettings
from atelier.kit.errors import Conflict, Invalid, NotFound
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectNotFound


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


async def create_product(runtime: Runtime, caller: Caller, product: CreateProduct) -> Product:
    return await call(runtime, caller, CREATE_PRODUCT, product)


async def product_config(runtime: Runtime, caller: Caller, product_id: str) -> WidgetConfig:
    return await call(runtime, caller, GET_PRODUCT_CONFIG, GetProductConfig(product_id=product_id))


async def validate(runtime: Runtime, caller: Caller, design: schemas.Design) -> ValidationResult:
    return await call(
        runtime, caller, VALIDATE_DESIGN,
        ValidateDesign(product_id=design.product_id, values=design.values),
    )


async def create_snapshot(
    runtime: Runtime, caller: Caller, design: schemas.Design
) -> schemas.Snapshot:
    """Validate, store the spec, then snapshot it; an invalid design writes nothing."""
    result = await validate(runtime, caller, design)
    if not result.valid or result.design is None:
        raise Invalid("The design is not valid.", domain.design_errors(result))
    design_spec = result.design
    spec: SpecCreatedReply = await call(runtime, caller, CREATE_SPEC, CreateSpec(spec=design_spec))
    view: SnapshotView = await call(
        runtime, caller, CREATE_SNAPSHOT, CreateSnapshot(spec_hash=spec.spec_hash, spec=design_spec)
    )
    return _with_preview(view, schemas.Preview(status=RenderStatus.PENDING))


async def create_snapshot_once(
    runtime: Runtime, caller: Caller, design: schemas.Design, idempotency_key: str | None
) -> StoredResponse:
    """``create_snapshot`` under the client's Idempotency-Key (a retried click, a lost reply)."""

    async def respond() -> StoredResponse:
        created = await create_snapshot(runtime, caller, design)
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
    return schemas.Snapshot(**view.model_dump(), preview=preview)


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
