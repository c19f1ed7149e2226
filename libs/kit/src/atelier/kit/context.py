"""Request/message context carried into logs, traces and outgoing messages."""

from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
brand_id: ContextVar[str | None] = ContextVar("brand_id", default=None)
