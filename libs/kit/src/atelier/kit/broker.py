"""The NATS broker and the delivery rules every consumer follows (DESIGN §4).

- Durable pull consumers with manual acknowledgement: ack after the handler's transaction
  committed; a transient failure is NAKed with a growing delay; a message that cannot be parsed,
  raises ``PoisonMessage`` or exhausts ``max_deliver`` goes to ``dlq.<service>`` with its reason
  and is terminated. Long handlers keep the message alive with ``in_progress()``.
- RPC subscribers answer every request with an ``RpcReply`` (data or problem details).
- Streams are declared by their owners at setup, never by consumers.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import nats.js.errors
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, NatsMessage, PullSub
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.client import JetStreamContext
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind
from pydantic import BaseModel, ValidationError

from atelier.contracts import Envelope, ErrorCode, ErrorItem, Problem, RpcReply
from atelier.contracts.catalog import Message, Stream, dlq_subject, owned_streams, stream_for
from atelier.kit import context
from atelier.kit.errors import AtelierError, Invalid, PoisonMessage, Unavailable
from atelier.kit.settings import ServiceSettings
from atelier.kit.telemetry import Metrics

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], Awaitable[None]]
RpcHandler = Callable[[Envelope], Awaitable[BaseModel]]


def create_broker(
    settings: ServiceSettings, metrics: Metrics, tracer_provider: TracerProvider | None = None
) -> NatsBroker:
    return NatsBroker(
        settings.nats_url,
        name=f"atelier-{settings.service}",
        max_reconnect_attempts=-1,  # nats-py gives up after ~2 minutes by default
        reconnect_time_wait=1,
        middlewares=[
            NatsTelemetryMiddleware(tracer_provider=tracer_provider),
            NatsPrometheusMiddleware(registry=metrics.registry, app_name=settings.service),
        ],
        logger=logging.getLogger(f"atelier.{settings.service}.broker"),
        log_level=logging.DEBUG,  # "Received"/"Processed" per message: too much for INFO
    )


def namespaced(namespace: str, subject: str) -> str:
    """``ns.evt.x.y.z`` when a namespace is set (tests, or several environments on one NATS)."""
    return f"{namespace}.{subject}" if namespace else subject


def namespaced_stream(namespace: str, name: str) -> str:
    return f"{namespace.upper()}_{name}" if namespace else name


async def declare_streams(
    js: JetStreamContext, streams: tuple[Stream, ...], namespace: str = ""
) -> None:
    """Create or update streams (idempotent). Called by each owner for its own streams."""
    for stream in streams:
        config = StreamConfig(
            name=namespaced_stream(namespace, stream.name),
            subjects=[namespaced(namespace, s) for s in stream.subjects],
            retention=RetentionPolicy.WORK_QUEUE if stream.work_queue else RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            duplicate_window=stream.duplicate_window_s,
        )
        try:
            await js.add_stream(config)
        except nats.js.errors.BadRequestError:
            await js.update_stream(config)


async def declare_owned_streams(js: JetStreamContext, service: str, namespace: str = "") -> None:
    await declare_streams(js, owned_streams(service), namespace)


def retry_delay(settings: ServiceSettings, delivered: int) -> float:
    """Growing delay before the next delivery: base, 2×base, 4×base … capped."""
    return min(settings.retry_base_delay_s * 2 ** max(delivered - 1, 0), settings.retry_max_delay_s)


class Bus:
    """One service's view of the bus: its broker, its settings and its delivery rules."""

    def __init__(
        self,
        broker: NatsBroker,
        settings: ServiceSettings,
        metrics: Metrics,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self.broker = broker
        self.settings = settings
        self.metrics = metrics
        self.namespace = settings.bus_namespace
        self.tracer = trace.get_tracer("atelier.kit.broker", tracer_provider=tracer_provider)
        self._rpc: list[tuple[Message, RpcHandler]] = []
        self._rpc_subscriptions: list[Subscription] = []
        self._rpc_slots = asyncio.Semaphore(settings.rpc_concurrency)
        self._in_flight: set[asyncio.Task] = set()

    def subject(self, subject: str) -> str:
        return namespaced(self.namespace, subject)

    def stream(self, subject: str) -> str:
        return namespaced_stream(self.namespace, stream_for(subject).name)

    # --- publishing ----------------------------------------------------------------------------
    async def publish_raw(self, subject: str, payload: bytes, headers: dict[str, str]) -> None:
        """Publish to JetStream and wait for the stream's acknowledgement (used by the relay)."""
        await self.broker.publish(
            payload,
            self.subject(subject),
            headers=headers,
            stream=self.stream(subject),
            timeout=5.0,
        )

    async def dead_letter(self, msg: NatsMessage, consumer: str, reason: str) -> None:
        raw = msg.raw_message
        subject = dlq_subject(self.settings.service)
        original_id = (raw.headers or {}).get("Nats-Msg-Id") or str(raw.metadata.sequence.stream)
        headers = {
            "Atelier-Dlq-Reason": reason[:2000],
            "Atelier-Dlq-Subject": raw.subject,
            "Atelier-Dlq-Consumer": consumer,
            "Nats-Msg-Id": f"dlq:{consumer}:{original_id}",
        }
        await self.broker.publish(
            raw.data,
            self.subject(subject),
            headers=headers,
            stream=self.stream(subject),
            timeout=5.0,
        )
        self.metrics.dead_lettered.labels(raw.subject).inc()
        log.error("dead-lettered %s from %s: %s", consumer, raw.subject, reason)

    # --- consuming -----------------------------------------------------------------------------
    def consume(self, message: Message, handler_name: str, handle: Handler) -> None:
        """Register a durable pull consumer ``<service>-<handler>`` on ``message``'s subject."""
        consumer = f"{self.settings.service}-{handler_name}"
        model = Envelope[message.model]  # type: ignore[name-defined]

        @self.broker.subscriber(
            self.subject(message.subject),
            stream=JStream(self.stream(message.subject), declare=False),
            durable=consumer,
            pull_sub=PullSub(batch_size=1, timeout=5.0),
            ack_policy=AckPolicy.MANUAL,
            config=ConsumerConfig(
                ack_wait=self.settings.ack_wait_s,
                max_deliver=self.settings.max_deliver + 1,  # the last one only dead-letters
                filter_subject=self.subject(message.subject),
            ),
            title=consumer,
        )
        async def on_message(msg: NatsMessage) -> None:
            await self._deliver(msg, consumer, model, handle)

    async def _deliver(
        self, msg: NatsMessage, consumer: str, model: type[Envelope], handle: Handler
    ) -> None:
        delivered = msg.raw_message.metadata.num_delivered
        try:
            envelope = model.model_validate_json(msg.body)
        except ValidationError as exc:
            await self._give_up(msg, consumer, f"invalid message: {exc.errors(include_url=False)}")
            return
        if delivered > self.settings.max_deliver:
            # the spare delivery comes only when parking the message failed: park it, do not
            # run a handler that already had all its chances
            await self._give_up(msg, consumer, f"failed {delivered - 1} times")
            return
        context.correlation_id.set(envelope.correlation_id)
        context.brand_id.set(envelope.brand_id)
        heartbeat = asyncio.create_task(self._keep_alive(msg))
        try:
            await handle(envelope)
        except (PoisonMessage, Invalid) as exc:  # invalid input never becomes valid by retrying
            await self._give_up(msg, consumer, f"poison message: {exc}")
        except Exception as exc:
            if delivered >= self.settings.max_deliver:
                await self._give_up(msg, consumer, f"failed {delivered} times, last: {exc!r}")
            else:
                delay = retry_delay(self.settings, delivered)
                log.warning(
                    "%s failed (delivery %d), retrying in %.1fs: %r",
                    consumer, delivered, delay, exc,
                )
                await msg.nack(delay=delay)
        else:
            await msg.ack()
        finally:
            heartbeat.cancel()

    async def _give_up(self, msg: NatsMessage, consumer: str, reason: str) -> None:
        try:
            await self.dead_letter(msg, consumer, reason)
        except Exception as exc:  # never drop a message we could not park: let it come back
            log.error("dead-letter publish failed, message will be redelivered: %r", exc)
            await msg.nack(delay=self.settings.retry_max_delay_s)
            return
        await msg.reject()

    async def _keep_alive(self, msg: NatsMessage) -> None:
        with contextlib.suppress(Exception):
            while True:
                await asyncio.sleep(self.settings.ack_wait_s / 3)
                await msg.in_progress()

    # --- request/reply -------------------------------------------------------------------------
    # RPC runs on nats-py directly rather than through FastStream subscribers: it is the
    # shopper's synchronous path, and FastStream's per-message machinery (dependency injection
    # that resolves the message in a worker thread, middlewares) cost more than the handlers.
    # Tracing (W3C context in headers) and metrics are kept, here, in one place.
    def serve(self, message: Message, handle: RpcHandler) -> None:
        """Answer ``rpc.<service>.<method>`` in the queue group of this service (from start())."""
        self._rpc.append((message, handle))

    async def start(self) -> None:
        """Connect, start the durable consumers and the rpc subscriptions; all live on return."""
        await self.broker.start()
        connection = self.broker.connection
        for message, handle in self._rpc:
            self._rpc_subscriptions.append(await connection.subscribe(
                self.subject(message.subject), queue=self.settings.service,
                cb=self._responder(message, handle),
            ))
        await connection.flush()

    async def stop(self) -> None:
        """Stop taking requests, let the ones in flight answer, then close."""
        for subscription in self._rpc_subscriptions:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        self._rpc_subscriptions.clear()
        await asyncio.gather(*self._in_flight, return_exceptions=True)
        await self.broker.stop()

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
        async with self._rpc_slots:
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


def brand_of(envelope: Envelope) -> str:
    """The tenant of a message; tenant-scoped work without one is refused."""
    if not envelope.brand_id:
        raise Invalid(
            "brand_id is required",
            [ErrorItem(field="brand_id", code=ErrorCode.INVALID_FIELD, message="Missing brand.")],
        )
    return envelope.brand_id


def errors_of(exc: ValidationError) -> list[ErrorItem]:
    """Pydantic's errors as Atelier error items (field path, stable code, message)."""
    items = []
    for error in exc.errors(include_url=False):
        loc = [str(p) for p in error["loc"] if p not in ("data", "body")]
        items.append(
            ErrorItem(
                field=".".join(loc) or "body", code=ErrorCode.INVALID_FIELD, message=error["msg"]
            )
        )
    return items
