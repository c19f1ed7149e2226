"""The HTTP side every service shares: health, metrics, problem details, request tracing and
metrics."""

import json
import time
from collections.abc import Sequence
from typing import Any

from litestar import Litestar, MediaType, Request, Response, get
from litestar.config.cors import CORSConfig
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, ValidationException
from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send
from opentelemetry import propagate
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ValidationError

from atelier.contracts import ErrorCode, ErrorItem, Problem
from atelier.kit.db import unreachable
from atelier.kit.errors import AtelierError, BadRequest, Invalid, Unavailable, errors_of
from atelier.kit.logs import LitestarLogging, configure_logging
from atelier.kit.runtime import Runtime

PROBLEM_JSON = "application/problem+json"


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response:
    return Response(
        content=problem.model_dump(mode="json", exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def parse_body(model: type[BaseModel], raw: bytes) -> Any:
    """Validate a JSON body; malformed JSON and each invalid field get their own error item.

    A body that does not match the model's schema (the published one) is a 400; one that does but
    breaks a rule of the model's own validators (``ValueError``: a range whose minimum exceeds its
    maximum, an origin that is no origin) is a 422, like the rules the services enforce."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        syntax = [e for e in exc.errors() if e["type"] == "json_invalid"]
        if any("recursion limit" in str(e.get("ctx")) for e in syntax):
            raise BadRequest("The body is nested too deeply.", [ErrorItem(
                field="body", code=ErrorCode.MALFORMED_JSON,
                message="Send a JSON object nested at most a few levels deep.",
            )]) from exc
        if syntax:
            surrogate = _lone_surrogate(raw)
            if surrogate is not None:
                raise BadRequest("The body contains an unpaired UTF-16 surrogate.", [ErrorItem(
                    field=surrogate, code=ErrorCode.UNPAIRED_SURROGATE,
                    message="Text cannot contain a lone surrogate (\\ud800-\\udfff); "
                    "send whole characters.",
                )]) from exc
            raise BadRequest(
                "The body is not valid JSON.",
                [ErrorItem(field="body", code=ErrorCode.MALFORMED_JSON,
                           message="Send a JSON object.")],
            ) from exc
        if all(e["type"] == "value_error" for e in exc.errors()):
            raise Invalid("The request breaks a rule.", errors_of(exc)) from exc
        raise BadRequest("The request has invalid fields.", errors_of(exc)) from exc


def _lone_surrogate(raw: bytes) -> str | None:
    """The path of the first string holding a lone surrogate escape (valid JSON syntax that
    pydantic refuses as invalid), or None when the body is malformed for another reason."""
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):  # a deep document past the surrogate pydantic saw first
        return None

    def find(value: Any, path: str) -> str | None:
        if isinstance(value, str):
            return path if any(0xD800 <= ord(c) <= 0xDFFF for c in value) else None
        items = value.items() if isinstance(value, dict) else enumerate(value) \
            if isinstance(value, list) else ()
        for key, item in items:
            if (found := find(key, path) if isinstance(key, str) else None) is not None:
                return found
            if (found := find(item, f"{path}.{key}" if path else str(key))) is not None:
                return found
        return None

    try:
        return find(document, "")
    except RecursionError:
        return None


def _on_atelier_error(_: Request, exc: AtelierError) -> Response:
    return problem_response(exc.problem, exc.headers or None)


def _on_unexpected(request: Request, exc: Exception) -> Response:
    """What no handler expected (logged by ``atelier.kit.logs``): the database out of reach is
    the service unavailable for a moment (503, Retry-After: a client and a load balancer try
    again); anything else a 500, as problem details too."""
    if unreachable(exc):
        return _on_atelier_error(request, Unavailable(
            "The service cannot reach its database just now; try again shortly.",
            retry_after_s=1))
    return problem_response(Problem(title="Internal server error", status=500,
                                    detail="Something went wrong on our side."))


def _on_validation(_: Request, exc: ValidationException) -> Response:
    items = [
        ErrorItem(field=str(e.get("key") or "request"), code=ErrorCode.INVALID_FIELD,
                  message=str(e.get("message")))
        for e in (exc.extra or []) if isinstance(e, dict)
    ]
    return problem_response(Problem(title="Invalid input", status=400, detail=exc.detail,
                                    errors=items))


def _on_http(_: Request, exc: HTTPException) -> Response:
    code = {
        413: ErrorCode.BODY_TOO_LARGE,
        404: ErrorCode.NOT_FOUND,
        405: ErrorCode.METHOD_NOT_ALLOWED,
    }.get(exc.status_code, ErrorCode.INVALID_FIELD)
    problem = Problem(title=exc.detail, status=exc.status_code, detail=exc.detail,
                      errors=[ErrorItem(field="request", code=code, message=exc.detail)])
    headers = dict(exc.headers or {})
    if exc.status_code == 413:
        # answered before the rest of the body was read, which the server then drops with the
        # connection: a client must not send its next request on it
        headers["Connection"] = "close"
    return problem_response(problem, headers=headers or None)


class Observe:
    """Traces and measures every request: one server span that continues the caller's trace
    context (W3C ``traceparent`` unless OTEL_PROPAGATORS says otherwise), named after the route
    template, and the request counter and duration histogram, labelled by route template (never
    the raw path: bounded cardinality).

    The outermost middleware of every route. It replaces OpenTelemetry's generic ASGI middleware,
    which cost the gateway more CPU than the rest of the widget's validation request; the span
    and its attributes (stable HTTP semantic conventions) are the same.
    """

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.metrics = runtime.metrics
        self.tracer = runtime.tracer_provider.get_tracer("atelier.kit.http")
        self.trace_headers = frozenset(
            name.lower().encode("latin-1") for name in propagate.get_global_textmap().fields
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        status = 500  # unless a response starts

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        method = scope["method"]
        route = scope.get("path_template") or "unmatched"
        carrier = {name.decode("latin-1"): value.decode("latin-1")
                   for name, value in scope["headers"] if name in self.trace_headers}
        parent = propagate.extract(carrier, context=Context())
        start = time.perf_counter()
        with self.tracer.start_as_current_span(
            f"{method} {route}", context=parent, kind=SpanKind.SERVER
        ) as span:
            try:
                await self.app(scope, receive, observed)
            finally:
                self.metrics.http_requests.labels(method, route, str(status)).inc()
                self.metrics.http_duration.labels(method, route).observe(
                    time.perf_counter() - start
                )
                if span.is_recording():
                    span.set_attributes(_span_attributes(scope, route, status))
                    if status >= 500:
                        span.set_status(StatusCode.ERROR)


def _span_attributes(scope: HTTPScope, route: str, status: int) -> dict[str, str | int]:
    attributes: dict[str, str | int] = {
        "http.request.method": scope["method"],
        "http.route": route,
        "http.response.status_code": status,
        "url.path": scope["path"],
        "url.scheme": scope.get("scheme", "http"),
        "network.protocol.version": scope.get("http_version", "1.1"),
    }
    client = scope.get("client")
    if client:
        attributes["client.address"] = client[0]
    for name, value in scope["headers"]:
        if name == b"user-agent":
            attributes["user_agent.original"] = value.decode("latin-1")
    return attributes


def health_routes(runtime: Runtime) -> list[Any]:
    @get("/health/live", media_type=MediaType.JSON, include_in_schema=False, sync_to_thread=False)
    def live() -> dict[str, str]:
        return {"status": "ok", "service": runtime.service}

    @get("/health/ready", media_type=MediaType.JSON, include_in_schema=False)
    async def ready() -> Response:
        checks = await runtime.readiness()
        ok = all(checks.values())
        return Response(
            {"status": "ok" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )

    @get("/metrics", include_in_schema=False, sync_to_thread=False)
    def metrics() -> Response:
        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return [live, ready, metrics]


def service_app(
    runtime: Runtime,
    route_handlers: Sequence[Any] = (),
    *,
    cors_config: CORSConfig | None = None,
    middleware: Sequence[Any] = (),
    request_max_body_size: int = 1_000_000,
    **litestar_options: Any,
) -> Litestar:
    """A Litestar app with health, metrics, tracing, JSON logs and problem details; it starts and
    stops the runtime."""
    settings = runtime.settings
    configure_logging(settings.service, settings.log_level, settings.log_json)
    return Litestar(
        route_handlers=[*health_routes(runtime), *route_handlers],
        on_startup=[runtime.start],
        on_shutdown=[runtime.stop],
        middleware=[DefineMiddleware(Observe, runtime=runtime), *middleware],
        exception_handlers={
            AtelierError: _on_atelier_error,
            ValidationException: _on_validation,
            HTTPException: _on_http,
            Exception: _on_unexpected,
        },
        cors_config=cors_config,
        logging_config=LitestarLogging(),
        request_max_body_size=request_max_body_size,
        **litestar_options,
    )
