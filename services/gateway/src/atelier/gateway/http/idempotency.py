"""Idempotency-Key on the HTTP side (DESIGN §9), for every mutating POST: read and checked here,
bound to the route, its path parameters and the body, and the first successful answer replayed
with ``Idempotent-Replayed: true`` (``handlers.idempotency`` remembers it).

A route takes the ``once`` dependency and runs its use case through it; the use case returns its
model as usual. The two POSTs whose answer shows API keys refuse a key instead (``refuse_key``):
a key is never stored in plain text to be shown again. The read-only POSTs (design and spec
checks) take no key: one sent there is ignored.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import MediaType, Request, Response
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import HeaderParameter
from pydantic import BaseModel

from atelier.contracts import ErrorCode, ErrorItem
from atelier.gateway import domain
from atelier.gateway.auth import Caller
from atelier.gateway.handlers.idempotency import StoredResponse, idempotently
from atelier.kit import context
from atelier.kit.errors import BadRequest, Invalid
from atelier.kit.runtime import Runtime

HEADER = "Idempotency-Key"
REPLAYED = {"Idempotent-Replayed": "true"}


def _header(description: str, documented: bool = True) -> HeaderParameter:
    # the limits are documented only: checked by ``_checked``, a bad key is a 400 naming the header
    return HeaderParameter(name=HEADER, required=False, description=description,
                           include_in_schema=documented, examples=[Example(value="cart-42")],
                           schema_extra={"minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"})


IdempotencyKey = Annotated[str | None, _header(
    "Retry safely: the same key with the same request gets the first successful answer again "
    "(with Idempotent-Replayed: true) for 24 hours by default; with another request, 422 "
    "idempotency_key_reused. Keys are per brand; 1 to 255 printable ASCII characters."
)]
# not in the document: no value is accepted (the route's description says so)
RefusedKey = Annotated[str | None, _header(
    "Refused (422): the answer shows API keys once and is never stored to be replayed; send the "
    "request without one.", documented=False,
)]


@dataclass(frozen=True)
class Once:
    """Runs a route's use case once per Idempotency-Key of the caller's brand."""

    runtime: Runtime
    caller: Caller
    key: str | None
    route: str  # method and path template: ``POST /v1/admin/snapshots/{snapshot_id}/lock``
    path_params: dict[str, Any]

    async def __call__(
        self, use_case: Callable[[], Awaitable[BaseModel]], body: Any = None, status_code: int = 200
    ) -> Response[Any]:
        """The use case's answer, or the first one again for the same key and request.

        ``body`` is what identifies the request besides its route: the parsed body, or a
        fingerprint of it (an upload's hash); None when there is none."""

        async def respond() -> StoredResponse:
            return StoredResponse(status_code, (await use_case()).model_dump_json())

        if isinstance(body, BaseModel):
            body = body.model_dump(mode="json")
        fingerprint = domain.request_hash(self.route, body, self.path_params)
        # the services' commands get a key of this request, so that a retry after a timeout
        # (when the gateway's own record was released) still gets their first answers
        token = context.request_key.set(domain.service_request_key(self.key, fingerprint))
        try:
            stored = await idempotently(self.runtime, self.caller, self.key, fingerprint, respond)
        finally:
            context.request_key.reset(token)
        return Response(content=stored.body.encode(), status_code=stored.status_code,
                        media_type=MediaType.JSON, headers=REPLAYED if stored.replayed else None)


OncePerKey = NamedDependency[Once]  # a route's ``once``, provided by create_app


def once(
    request: Request,
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    idempotency_key: IdempotencyKey = None,
) -> Once:
    """The dependency of the routes that honour an Idempotency-Key."""
    route = f"{request.method} {request.scope['path_template']}"
    return Once(runtime, caller, _checked(idempotency_key), route, dict(request.path_params))


def refuse_key(idempotency_key: str | None) -> None:
    """A route whose answer shows API keys: a retry cannot get the first answer, so say so
    rather than make a second set of keys under a key the client believes protects it."""
    if idempotency_key is not None:
        message = ("This answer shows API keys once and is never stored to be replayed: send "
                   "the request without an Idempotency-Key.")
        raise Invalid(message, _key_error(message))


def _checked(key: str | None) -> str | None:
    if key is not None and not (0 < len(key) <= 255 and key.isascii() and key.isprintable()):
        message = "An Idempotency-Key is 1 to 255 printable ASCII characters."
        raise BadRequest(message, _key_error(message))
    return key


def _key_error(message: str) -> list[ErrorItem]:
    return [ErrorItem(field=HEADER, code=ErrorCode.INVALID_FIELD, message=message)]
