"""Idempotency-Key: a request retried with the same key gets the first answer, byte for byte."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from atelier.contracts import ErrorCode, ErrorItem
from atelier.gateway import repository
from atelier.gateway.auth import Caller
from atelier.gateway.models import IdempotencyRow
from atelier.gateway.settings import GatewaySettings
from atelier.kit.errors import Conflict, Invalid
from atelier.kit.runtime import Runtime


@dataclass(frozen=True)
class StoredResponse:
    """A response as sent, so an Idempotency-Key can replay it byte for byte."""

    status_code: int
    body: str
    replayed: bool = False


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
