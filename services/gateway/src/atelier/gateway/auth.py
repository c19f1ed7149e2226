"""Who is calling: API keys, brand users' tokens (admin API, see ``tokens``), the platform token,
and the brand's CORS origins.

The brand comes ONLY from the key or the verified token; nothing else a client sends can name
another brand. Browsers send
no key on a CORS preflight, so every preflight is answered and the origin is checked on the real
request, once the key has told us the brand.

Each route names who may call it in its ``opt`` (``requires(widget_key)``, say); ``authorize``
checks that before Litestar reads the body: a caller without a valid key learns nothing from the
body's validation, and an allowed origin gets its CORS header on every answer, body errors
included. (Not Litestar guards: they copy the route handler on every request, ~20 µs of the
widget's hot path.)
"""

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from atelier.contracts import ErrorCode, ErrorItem, new_id
from atelier.gateway import domain, repository
from atelier.gateway.domain import KeyKind
from atelier.gateway.settings import GatewaySettings
from atelier.gateway.tokens import AdminTokens, Role, looks_like_token
from atelier.kit import context
from atelier.kit.cache import TtlCache
from atelier.kit.errors import Forbidden, NotFound, Unauthorized
from atelier.kit.runtime import Runtime

KEY_HEADER = "X-Atelier-Key"
# the publishable key in the URL, on the analytics route only: navigator.sendBeacon cannot set
# a header. Never a secret key (URLs end up in logs and in the storefront's history)
KEY_QUERY = "key"
CORS_HEADERS = f"{KEY_HEADER}, Idempotency-Key, Content-Type"
CORS_METHODS = "GET, POST, OPTIONS"
# what the widget's script may read of an answer: when to retry after a 429, whether a snapshot
# was a replay, the configuration's version
CORS_EXPOSED = b"Retry-After, Idempotent-Replayed, ETag"
ALLOWED_ORIGIN = "atelier.allowed_origin"  # scope key: the origin the caller's brand allows
CALLER = "atelier.caller"  # scope key: the Caller a key check resolved
ACCESS = "atelier.access"  # route opt key: the check a route's callers must pass
USER_AGENT_MAX = 500  # what a snapshot's provenance keeps of a User-Agent


@dataclass(frozen=True)
class Grant:
    """What an active key allows: its kind, its brand and the brand's origins."""

    kind: KeyKind
    brand_id: str
    key_prefix: str
    allowed_origins: tuple[str, ...]


@dataclass(frozen=True)
class Caller:
    """Who is calling: the brand; who acts (``key:<prefix>`` or ``user:<sub>``, as snapshots
    record it); the API key's grant (None for a brand user's token); and what the request says of
    its client."""

    brand_id: str
    actor: str
    grant: Grant | None
    correlation_id: str
    origin: str | None  # an allowed origin of the brand, or None (a server)
    user_agent: str | None


class Keys:
    """Resolves presented keys to grants, remembering them briefly so that the widget's hot path
    does not query the database on every request: a revoked key stops working within ``ttl_s``."""

    def __init__(self, runtime: Runtime, ttl_s: float) -> None:
        self.runtime = runtime
        self.cache: TtlCache[Grant] = TtlCache(maxsize=10_000, ttl_s=ttl_s)

    async def grant(self, key: str) -> Grant | None:
        key_hash = domain.hash_key(key)
        return await self.cache.get_or_load(key_hash, lambda: self._load(key_hash))

    def forget(self, key_hash: str) -> None:
        """A key revoked here stops at once in this process (in others, within ``ttl_s``)."""
        self.cache.discard(key_hash)

    def forget_brand(self, brand_id: str) -> None:
        """The brand's origins changed: its keys' grants are read again (here at once, in other
        processes within ``ttl_s``)."""
        self.cache.discard_where(lambda grant: grant.brand_id == brand_id)

    async def _load(self, key_hash: str) -> Grant | None:
        # the key tells the brand: it is looked up among every brand's keys
        async with self.runtime.db.session(across_brands=True) as session:
            found = await repository.active_key(session, key_hash)
        if found is None:
            return None
        api_key, brand = found
        return Grant(KeyKind(api_key.kind), brand.id, api_key.key_prefix,
                     tuple(brand.allowed_origins))


def _refused(
    error: type[Unauthorized | Forbidden], code: ErrorCode, field: str, message: str
) -> Exception:
    return error(message, [ErrorItem(field=field, code=code, message=message)])


def _bearer(connection: ASGIConnection) -> str | None:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def presented_key(connection: ASGIConnection) -> str | None:
    """``Authorization: Bearer <key>`` (servers) or ``X-Atelier-Key: <key>`` (the widget)."""
    return _bearer(connection) or connection.headers.get(KEY_HEADER.lower()) or None


async def _admit(
    connection: ASGIConnection, accepted: frozenset[KeyKind], in_query: bool = False
) -> None:
    """Check the presented key and origin; the Caller goes into the scope for ``caller``.
    ``in_query``: a publishable key may come as ``?key=`` instead (see ``KEY_QUERY``)."""
    keys: Keys = connection.app.state.api_keys
    key, field = presented_key(connection), KEY_HEADER
    if key is None and in_query:
        key, field = connection.query_params.get(KEY_QUERY) or None, KEY_QUERY
    if key is None:
        where = f" (or, from navigator.sendBeacon, as ?{KEY_QUERY}=pk_…)" if in_query else ""
        raise _refused(Unauthorized, ErrorCode.MISSING_API_KEY, KEY_HEADER,
                       f"Send your API key in the {KEY_HEADER} header{where}.")
    grant = await keys.grant(key)
    if grant is None:
        raise _refused(Unauthorized, ErrorCode.INVALID_API_KEY, field,
                       "This API key is unknown or revoked.")
    if grant.kind not in accepted:
        raise _refused(Forbidden, ErrorCode.WRONG_KEY_KIND, field,
                       "This endpoint needs a secret key (sk_…).")
    if field == KEY_QUERY and grant.kind is not KeyKind.PUBLISHABLE:
        raise _refused(Forbidden, ErrorCode.WRONG_KEY_KIND, field,
                       "Only a publishable key (pk_…) may be sent in a URL: send a secret key "
                       "in the Authorization header, and replace this one (it may be in logs).")
    origin = connection.headers.get("origin")
    if origin is not None:
        if origin not in grant.allowed_origins:
            raise _refused(Forbidden, ErrorCode.ORIGIN_NOT_ALLOWED, "Origin",
                           f"{origin} is not an allowed origin of this brand.")
        connection.scope[ALLOWED_ORIGIN] = origin  # type: ignore[literal-required]
    # after the origin: the widget's script can read a 429 from its own storefront (Retry-After)
    connection.app.state.rate_limits.check_key(f"{grant.brand_id} {grant.key_prefix}", field)
    _enter(connection, grant.brand_id, domain.key_actor(grant.key_prefix), grant, origin)


async def _admit_user(request: Request, tokens: AdminTokens, token: str) -> None:
    """A brand user's token on the admin API: admins may do everything, viewers only read."""
    user = await tokens.verify(token)
    request.app.state.rate_limits.check_key(f"{user.brand_id} user:{user.user}",
                                            "Authorization")
    if user.role is Role.VIEWER and request.method not in ("GET", "HEAD"):
        raise _refused(Forbidden, ErrorCode.ROLE_NOT_ALLOWED, "Authorization",
                       "A viewer may only read; this needs the admin role.")
    _enter(request, user.brand_id, f"user:{user.user}", None, None)


def _enter(
    connection: ASGIConnection, brand_id: str, actor: str, grant: Grant | None,
    origin: str | None,
) -> None:
    context.brand_id.set(brand_id)
    user_agent = connection.headers.get("user-agent")
    connection.scope[CALLER] = Caller(  # type: ignore[literal-required]
        brand_id, actor, grant, context.correlation_id.get() or new_id(), origin,
        user_agent[:USER_AGENT_MAX] if user_agent else None,
    )


Access = Callable[[Request], Awaitable[None]]


def requires(access: Access) -> dict[str, Any]:
    """A route's ``opt``: who may call it."""
    return {ACCESS: access}


async def authorize(request: Request) -> None:
    """Run the route's access check, if it has one (a ``before_request`` of the app), after the
    caller's address has passed its rate limit (see ``limits``)."""
    access = request.route_handler.opt.get(ACCESS)
    if access is not None:
        request.app.state.rate_limits.check_address(request)
        await access(request)


async def widget_key(connection: ASGIConnection) -> None:
    """Access to widget routes: the publishable key, or the secret key of a server."""
    await _admit(connection, frozenset(KeyKind))


async def widget_beacon(connection: ASGIConnection) -> None:
    """Access to the analytics route: as ``widget_key``, or the publishable key as ``?key=``."""
    await _admit(connection, frozenset(KeyKind), in_query=True)


async def admin_key(request: Request) -> None:
    """Access to admin routes: the secret key, or a brand user's token (see ``tokens``)."""
    tokens: AdminTokens = request.app.state.admin_tokens
    credential = _bearer(request)
    if credential is not None and tokens.enabled and looks_like_token(credential):
        await _admit_user(request, tokens, credential)
    else:
        await _admit(request, frozenset({KeyKind.SECRET}))


def caller(request: Request, runtime: NamedDependency[Runtime]) -> Caller:
    """The dependency of keyed routes: the Caller their key check resolved.

    It takes ``runtime`` only so that Litestar resolves the two dependencies one after the other:
    independent dependencies are resolved in an anyio task group, ~40 µs a request."""
    del runtime
    return request.scope[CALLER]  # type: ignore[literal-required]


async def platform_operator(connection: ASGIConnection) -> None:
    """Access to the platform API: the operator's bearer token; without one configured, the
    platform API does not exist."""
    settings: GatewaySettings = connection.app.state.settings
    if settings.platform_token is None:  # the same answer as a path that does not exist
        raise NotFound("Not Found", [ErrorItem(field="request", code=ErrorCode.NOT_FOUND,
                                               message="Not Found")])
    token = _bearer(connection)
    if token is None:
        raise _refused(Unauthorized, ErrorCode.MISSING_API_KEY, "Authorization",
                       "Send the platform token as Authorization: Bearer <token>.")
    expected = settings.platform_token.get_secret_value().encode()
    if not hmac.compare_digest(token.encode(), expected):
        raise _refused(Unauthorized, ErrorCode.INVALID_API_KEY, "Authorization",
                       "The platform token is not valid.")


class BrandCors:
    """Answers preflights; adds the allowed origin (set by ``_admit``) to real responses."""

    def __init__(self, app: ASGIApp, max_age_s: int) -> None:
        self.app = app
        self.max_age = str(max_age_s)
        self.allowed: dict[str, str] | None = None  # path template -> its methods, once read

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            headers = dict(scope["headers"])
            origin = headers.get(b"origin")
            if origin and b"access-control-request-method" in headers:
                await self._preflight(origin.decode("latin-1"), send)
                return
            await self._allow(scope, send)
            return

        async def send_with_cors(message: Message) -> None:
            allowed = scope.get(ALLOWED_ORIGIN)
            if message["type"] == "http.response.start" and isinstance(allowed, str):
                message["headers"] = [
                    *message.get("headers", ()),
                    (b"access-control-allow-origin", allowed.encode("latin-1")),
                    (b"access-control-expose-headers", CORS_EXPOSED),
                    (b"vary", b"Origin"),
                ]
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _allow(self, scope: Scope, send: Send) -> None:
        """A plain OPTIONS: the methods of the path. (Litestar's own answer names only those of
        the first handler registered on a path: its OPTIONS handler keeps the route it was made
        with, before the path's other handlers joined it.)"""
        if self.allowed is None:
            self.allowed = {route.path_format: ", ".join(sorted(route.methods))
                            for route in scope["litestar_app"].routes}
        allow = self.allowed.get(scope.get("path_template", ""), "OPTIONS")
        headers = [(b"allow", allow.encode()), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _preflight(self, origin: str, send: Send) -> None:
        headers = [
            (b"access-control-allow-origin", origin.encode()),
            (b"access-control-allow-methods", CORS_METHODS.encode()),
            (b"access-control-allow-headers", CORS_HEADERS.encode()),
            (b"access-control-max-age", self.max_age.encode()),
            (b"vary", b"Origin"),
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
