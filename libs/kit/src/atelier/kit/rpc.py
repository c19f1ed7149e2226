"""Request/reply on ``rpc.<service>.<method>`` subjects (DESIGN §4), served and called.

RPC subscribers answer every request with an ``RpcReply`` (data or problem details); a caller
gets the reply model back, or the remote problem raised as the same typed error.

RPC runs on nats-py directly rather than through FastStream subscribers: it is the shopper's
synchronous path, and FastStream's per-message machinery (dependency injection that resolves the
message in a worker thread, middlewares) cost more than the handlers. Tracing (W3C context in
headers) and metrics are kept, here, in one place.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from faststream.nats import NatsBroker
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind
from pydantic import BaseModel, ValidationError

from atelier.contracts import Envelope, Problem, RpcReply
from atelier.contracts.catalog import Message
from atelier.kit import context
from atelier.kit.errors import AtelierError, Invalid, Unavailable, errors_of
from atelier.kit.settings import ServiceSettings
from atelier.kit.telemetry import Metrics

log = logging.getLogger(__name__)

RpcHandler = Callable[[Envelope], Awaitable[BaseModel]]


class Rpc:
    """One service's request/reply: the methods it answers and the calls it makes."""

    def __init__(
        self,
        broker: NatsBroker,
        settings: ServiceSettings,
        metrics: Metrics,
        subject: Callable[[str], str],
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self.broker = broker
        self.settings = settings
        self.metrics = metrics
        self.subject = subject  # the subject as it is on the wire (namespaced)
        self.tracer = trace.get_tracer(__name__, tracer_provider=tracer_provider)
        self._served: list[tuple[Message, RpcHandler]] = []
        self._subscriptions: list[Subscription] = []
        self._slots = asyncio.Semaphore(settings.rpc_concurrency)
        self._in_flight: set[asyncio.Task] = set()

    # --- serving -------------------------------------------------------------------------------
    def serve(self, message: Message, handle: RpcHandler) -> None:
        """Answer ``rpc.<service>.<method>`` in the queue group of this service (from start())."""
        self._served.append((message, handle))

    async def start(self) -> None:
        """Subscribe to every served subject on the broker's (started) connection."""
        connection = self.broker.connection
        for message, handle in self._served:
            self._subscriptions.append(await connection.subscribe(
                self.subject(message.subject), queue=self.settings.service,
                cb=self._responder(message, handle),
            ))
        await connection.flush()

    async def stop(self) -> None:
        """Stop taking requests and let the ones in flight answer."""
        for subscription in self._subscriptions:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        self._subscriptions.clear()
        await asyncio.gather(*self._in_flight, return_exceptions=True)

    def _responder(self, message: Message, handle: RpcHandler) -> Callable[[Msg], Awaitable[None]]:
        model = Envelope[message.model]  # type: ignore[name-defined]

        async def on_request(msg: Msg) -> None:
            # one task per request: handlers that wait on the database overlap (nats-py would
            # otherwise run a subscription's callbacks one after another)
            task = asyncio.create_task(self._respond(msg, message.subject, model, handle))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

        return on_request

    async def _respond(
        self, msg: Msg, subject: str, model: type[Envelope], handle: RpcHandler
    ) -> None:
        async with self._slots:
            started = time.perf_counter()
            parent = propagate.extract(msg.headers or {})
            with self.tracer.start_as_current_span(
                f"{subject} process", context=parent, kind=SpanKind.SERVER
            ):
                reply = await self._answer(msg.data, subject, model, handle)
            try:
                await msg.respond(reply.model_dump_json().encode())
            except Exception as exc:  # the caller gave up or the connection is closing
                log.warning("could not answer %s: %r", subject, exc)
            outcome = "ok" if reply.ok else str(reply.problem.status if reply.problem else 500)
            self.metrics.rpc_duration.labels(subject, outcome).observe(
                time.perf_counter() - started
            )

    async def _answer(
        self, body: bytes, subject: str, model: type[Envelope], handle: RpcHandler
    ) -> RpcReply:
        try:
            envelope = model.model_validate_json(body)
        except ValidationError as exc:
            return RpcReply(ok=False, problem=Invalid("invalid request", errors_of(exc)).problem)
        context.correlation_id.set(envelope.correlation_id)
        context.brand_id.set(envelope.brand_id)
        try:
            result = await handle(envelope)
        except AtelierError as exc:
            return RpcReply(ok=False, problem=exc.problem)
        except Exception:
            log.exception("rpc %s failed", subject)
            return RpcReply(
                ok=False, problem=Problem(title="Internal error", status=500, detail="unexpected")
            )
        return RpcReply(ok=True, data=result)

    # --- calling -------------------------------------------------------------------------------
    async def call(
        self,
        message: Message,
        data: BaseModel,
        *,
        brand_id: str | None,
        correlation_id: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the request's own deadline, passed to NATS
    ) -> Any:
        """Request/reply: returns the reply model, or raises the remote problem as an error."""
        envelope = Envelope[type(data)](  # type: ignore[misc]
            type=message.type,
            producer=self.settings.service,
            brand_id=brand_id,
            data=data,
            **({"correlation_id": correlation_id} if correlation_id else {}),
        )
        with self.tracer.start_as_current_span(f"{message.subject} request", kind=SpanKind.CLIENT):
            headers: dict[str, str] = {}
            propagate.inject(headers)
            try:
                response = await self.broker.connection.request(
                    self.subject(message.subject), envelope.model_dump_json().encode(),
                    timeout=timeout, headers=headers,
                )
            except Exception as exc:  # no responders, timeout, disconnected
                raise Unavailable(
                    f"{message.subject} did not answer: {type(exc).__name__}"
                ) from exc
        assert message.reply is not None
        reply = RpcReply[message.reply].model_validate_json(response.data)  # type: ignore[name-defined]
        if not reply.ok:
            assert reply.problem is not None
            raise AtelierError.from_problem(reply.problem)
        return reply.data
