"""Request/message context carried into logs, traces and outgoing messages."""

from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
brand_id: ContextVar[str | None] = ContextVar("brand_id", default=None)
# the request a mutating rpc call belongs to: calls made while handling it carry this key, so that
# a retry of the whole request is answered with the first answers (see ``atelier.kit.rpc``)
request_key: ContextVar[str | None] = ContextVar("request_key", default=None)
