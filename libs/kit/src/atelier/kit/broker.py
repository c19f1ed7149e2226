"""The NATS broker and the delivery rules every consumer follows (DESIGN §4).

- Durable pull consumers with manual acknowledgement: ack after the handler's transaction
  committed; a transient failure is NAKed with a growing delay; a message that cannot be parsed,
  raises ``PoisonMessage`` or exhausts ``max_deliver`` goes to ``dlq.<service>`` with its reason
  and is terminated. Long handlers keep the message alive with ``in_progress()``.
- Request/reply (``bus.serve``, ``bus.call``) is ``atelier.kit.rpc``'s, on the same connection.
- Streams are declared by their owners at setup, never by consumers.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import nats.js.errors
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, NatsMessage, PullSub
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.client import JetStreamContext
from opentelemetry.sdk.trace import TracerProvider
from pydantic import ValidationError

from atelier.contracts import Envelope, ErrorCode, ErrorItem
from atelier.contracts.catalog import Message, Stream, dlq_subject, owned_streams, stream_for
from atelier.kit import context
from atelier.kit.errors import Invalid, PoisonMessage
from atelier.kit.rpc import Rpc
from atelier.kit.settings import ServiceSettings
from atelier.kit.telemetry import Metrics

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], Awaitable[None]]
GaveUp = Callable[[Envelope, str], Awaitable[None]]  # the message, why it was dead-lettered


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
    """One service's view of the bus: its broker, its settings, its delivery rules and its rpc."""

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
        self.consumers: list[tuple[str, str]] = []  # (stream, durable) of every consume()
        self.rpc = Rpc(broker, settings, metrics, self.subject, tracer_provider)
        # request/reply is the rpc module's: the bus hands out its two verbs
        self.serve = self.rpc.serve  # before start()
        self.call = self.rpc.call

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
    def consume(
        self, message: Message, handler_name: str, handle: Handler, gave_up: GaveUp | None = None
    ) -> None:
        """Register a durable pull consumer ``<service>-<handler>`` on ``message``'s subject.

        ``gave_up(envelope, reason)`` is told when a message failed every delivery on transient
        faults and was dead-lettered, so that the service can say so to whoever is waiting (it
        is best effort: the message is parked whatever it does, and replayable)."""
        consumer = f"{self.settings.service}-{handler_name}"
        model = Envelope[message.model]  # type: ignore[name-defined]
        self.consumers.append((self.stream(message.subject), consumer))

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
            await self._deliver(msg, consumer, model, handle, gave_up)

    async def _deliver(
        self, msg: NatsMessage, consumer: str, model: type[Envelope], handle: Handler,
        gave_up: GaveUp | None,
    ) -> None:
        delivered = msg.raw_message.metadata.num_delivered
        try:
            envelope = model.model_validate_json(msg.body)
        except ValidationError as exc:
            await self._give_up(msg, consumer, f"invalid message: {exc.errors(include_url=False)}")
            return
        context.correlation_id.set(envelope.correlation_id)
        context.brand_id.set(envelope.brand_id)  # gave_up writes in the message's brand too
        if delivered > self.settings.max_deliver:
            # the spare delivery comes only when parking the message failed: park it, do not
            # run a handler that already had all its chances
            await self._exhausted(msg, consumer, envelope, f"failed {delivered - 1} times",
                                  gave_up)
            return
        heartbeat = asyncio.create_task(self._keep_alive(msg))
        try:
            await handle(envelope)
        except (PoisonMessage, Invalid) as exc:  # invalid input never becomes valid by retrying
            await self._give_up(msg, consumer, f"poison message: {exc}")
        except Exception as exc:
            if delivered >= self.settings.max_deliver:
                reason = f"failed {delivered} times, last: {exc!r}"
                await self._exhausted(msg, consumer, envelope, reason, gave_up)
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

    async def _give_up(self, msg: NatsMessage, consumer: str, reason: str) -> bool:
        """Park the message on the dead-letter subject; False when that failed (it comes back)."""
        try:
            await self.dead_letter(msg, consumer, reason)
        except Exception as exc:  # never drop a message we could not park: let it come back
            log.error("dead-letter publish failed, message will be redelivered: %r", exc)
            await msg.nack(delay=self.settings.retry_max_delay_s)
            return False
        await msg.reject()
        return True

    async def _exhausted(
        self, msg: NatsMessage, consumer: str, envelope: Envelope, reason: str,
        gave_up: GaveUp | None,
    ) -> None:
        if await self._give_up(msg, consumer, reason) and gave_up is not None:
            try:
                await gave_up(envelope, reason)
            except Exception:
                log.exception("%s could not record that it gave up on %s", consumer, envelope.id)

    async def _keep_alive(self, msg: NatsMessage) -> None:
        with contextlib.suppress(Exception):
            while True:
                await asyncio.sleep(self.settings.ack_wait_s / 3)
                await msg.in_progress()

    async def measure_lag(self) -> None:
        """Export what each durable consumer of this service still has to do (every replica
        reports the same shared consumer: take the max across instances)."""
        js = self.broker.connection.jetstream()
        for stream, durable in self.consumers:
            info = await js.consumer_info(stream, durable)
            self.metrics.consumer_pending.labels(durable).set(info.num_pending or 0)
            self.metrics.consumer_ack_pending.labels(durable).set(info.num_ack_pending or 0)

    # --- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect, start the durable consumers and the rpc subscriptions; all live on return."""
        await self.broker.start()
        await self.rpc.start()

    async def stop(self) -> None:
        """Stop taking requests, let the ones in flight answer, then close."""
        await self.rpc.stop()
        await self.broker.stop()


def brand_of(envelope: Envelope) -> str:
    """The tenant of a message; tenant-scoped work without one is refused."""
    if not envelope.brand_id:
        raise Invalid(
            "brand_id is required",
            [ErrorItem(field="brand_id", code=ErrorCode.INVALID_FIELD, message="Missing brand.")],
        )
    return envelope.brand_id

