"""JSON logs with trace id, correlation id and brand id on every line.

The root logger owns the only handler; every other logger (granian, FastStream, Litestar, ours)
propagates to it. Libraries that configure logging themselves are told not to: granian gets a
configuration of its loggers without handlers (``atelier.kit.server``) and Litestar gets
``LitestarLogging`` below instead of its default ``LoggingConfig``, whose ``dictConfig`` would
replace our root handler with its own plain-text one when the app is built.

An exception that becomes an answer is logged once: a client's error (4xx: a bad request, a
missing key, an unknown path, a refused rate...) as one line at INFO, expected and nothing to
fix; a server's (5xx) at ERROR with its traceback, but for the database out of reach (a 503): one
line at WARNING.
"""

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any, Literal

from litestar.logging.config import BaseLoggingConfig
from litestar.types import Scope
from opentelemetry import trace

from atelier.kit import context
from atelier.kit.db import unreachable
from atelier.kit.errors import AtelierError


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        span = trace.get_current_span().get_span_context()
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
            "trace_id": format(span.trace_id, "032x") if span.is_valid else None,
            "correlation_id": context.correlation_id.get(),
            "brand_id": context.brand_id.get(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(
    service: str, level: str = "INFO", as_json: bool = True, stream: IO[str] | None = None
) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    if as_json:
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {service} %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)  # warnings become log lines, not bare text on stderr
    for name in ("_granian", "granian.access", "litestar"):
        # whoever configured these before us: their lines go through our handler only
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    for noisy in ("faststream.access.nats", "granian.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _log_exception(logger: Any, scope: Scope, _: list[str]) -> None:
    """Called by Litestar inside its ``except`` for every exception a request raised."""
    exc = sys.exc_info()[1]
    status = (exc.status if isinstance(exc, AtelierError)
              else getattr(exc, "status_code", 500) if exc is not None else 500)
    if exc is not None and unreachable(exc):  # answered 503 (atelier.kit.http): no bug to trace
        logger.warning("%s %s answered 503: the database is out of reach (%s)",
                       scope.get("method", ""), scope["path"], type(exc).__name__)
    elif status < 500:
        logger.info("%s %s answered %d: %s", scope.get("method", ""), scope["path"], status,
                    getattr(exc, "detail", None) or exc)
    else:
        logger.exception("uncaught exception on %s %s", scope.get("method", ""), scope["path"])


@dataclass
class LitestarLogging(BaseLoggingConfig):
    """Litestar's logging through the kit's root handler: it configures nothing itself and logs
    every exception a request raised, a client's error in one line, a server's with its
    traceback (``_log_exception``)."""

    log_exceptions: Literal["always", "debug", "never"] = "always"
    exception_logging_handler: Callable[..., None] | None = _log_exception
    disable_stack_trace: set[int | type[Exception]] = field(default_factory=set)
    traceback_line_limit: int = -1

    def configure(self) -> Callable[[str], logging.Logger]:
        return logging.getLogger

    @staticmethod
    def set_level(logger: Any, level: int) -> None:
        logger.setLevel(level)
