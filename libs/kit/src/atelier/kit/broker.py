"""The NATS broker, and the delivery rules every consumer follows on it (DESIGN §4).

- Durable pull consumers with manual acknowledgement, each delivery run by the rules of
  ``atelier.kit.delivery`` (inbox, handler and commit in the kit's unit of work): acknowledged
  once committed, so every handler changes state once per message whoever redelivers it
  (JetStream, a restart, a ``dlq replay``).
- A transient failure is NAKed with a growing delay; a message that cannot be parsed, is poison or
  exhausts ``max_deliver`` goes to ``dlq.<service>`` with its reason and is terminated. Long
  handlers keep the message alive with ``in_progress()``.
- Request/reply (``bus.serve``, ``bus.call``) is ``atelier.kit.rpc``'s, on the same connection.
- ``bus.listen``: a core NATS subscription to events, per process (every replica hears every
  event, nothing is acknowledged or redelivered), for state pushed to clients while it lasts.
- Streams are declared by their owners at setup, never by consumers.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import nats.js.errors
from faststream import AckPolicy
from faststream.exceptions import IncorrectState
from faststream.nats import ConsumerConfig, JStream, NatsBroker, NatsMessage, PullSub
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from faststream.nats.security import NatsNKey, NatsSecurity, NatsUserPassword, parse_security
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.client import JetStreamContext
from opentelemetry.sdk.trace import TracerProvider

from atelier.contracts import Envelope, ErrorCode, ErrorItem
from atelier.contracts.catalog import Message, Stream, dlq_subject, owned_streams, stream_for
from atelier.kit.delivery import Consumer, Delivery, GaveUp, Handler, Units, read
from atelier.kit.errors import Invalid
from atelier.kit.rpc import Rpc
from atelier.kit.settings import ServiceSettings
from atelier.kit.telemetry import Metrics

log = logging.getLogger(__name__)


def inbox_prefix(service: str) -> str:
    """Replies and pulled messages come to ``_INBOX.<service>.…``, the only inboxes the
    service's NATS user may read (deploy/nats)."""
    return f"_INBOX.{service}"


def nats_security(settings: ServiceSettings) -> NatsSecurity | None:
    """The service's NATS credentials: its nkey seed, or its user and password (none for a
    development server without authentication)."""
    if settings.nats_nkey_seed is not None:
        return NatsNKey.from_seed(settings.nats_nkey_seed.get_secret_value())
    if settings.nats_user:
        password = settings.nats_password.get_secret_value() if settings.nats_password else ""
        return NatsUserPassword(settings.nats_user, password)
    return None


def nats_options(settings: ServiceSettings) -> dict[str, Any]:
    """nats-py ``connect`` keywords of a service's connections outside its broker (setup, dlq):
    the same credentials and inboxes as the broker's."""
    return {"inbox_prefix": inbox_prefix(settings.service),
            **parse_security(nats_security(settings))}


def create_broker(
    settings: ServiceSettings, metrics: Metrics, tracer_provider: TracerProvider | None = None
) -> NatsBroker:
    return NatsBroker(
        settings.nats_url,
        security=nats_security(settings),
        inbox_prefix=inbox_prefix(settings.service),
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


def header_value(text: str) -> str:
    """``text`` in printable ASCII, anything else escaped (``\\n``, ``\\u2192``): a line break
    would end the header or forge another, and nats-py reads a value beyond ASCII back as an
    email ``Header`` object rather than a string."""
    return "".join(c if " " <= c <= "~" else c.encode("unicode_escape").decode("ascii")
                   for c in text)


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


async def raw_body(msg: NatsMessage) -> bytes:
    """A consumer's message as it came: the kit reads it (``delivery.read``), so that whatever
    it holds (not JSON, nesting deep enough to exhaust Python's json) is dead-lettered with its
    reason, rather than failing in FastStream's own decoding, unacknowledged, time and again."""
    return msg.body


class Bus:
    """One service's view of the bus: its broker, its settings, its delivery rules and its rpc."""

    def __init__(
        self,
        broker: NatsBroker,
        settings: ServiceSettings,
        metrics: Metrics,
        tracer_provider: TracerProvider | None = None,
        units: Units | None = None,
    ) -> None:
        self.broker = broker
        self.settings = settings
        self.metrics = metrics
        self.namespace = settings.bus_namespace
        self.consumed: list[Consumer] = []  # what every consume() registered
        self.listened: list[tuple[Message, Callable[[Envelope], Awaitable[None]]]] = []
        self._listening: list[Any] = []
        self.delivery = Delivery(settings, units) if units is not None else None
        self.rpc = Rpc(broker, settings, metrics, self.subject, tracer_provider, units)
        # request/reply is the rpc module's: the bus hands out its verbs
        self.serve = self.rpc.serve  # before start()
        self.serve_command = self.rpc.serve_command
        self.call = self.rpc.call

    def subject(self, subject: str) -> str:
        return namespaced(self.namespace, subject)

    @property
    def consumers(self) -> list[tuple[str, str]]:
        """(stream, durable) of every consumer registered."""
        return [(self.stream(c.message.subject), c.name) for c in self.consumed]

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

    def connected(self) -> bool:
        """Whether the connection to NATS is up: when it is not, a failed publication is the
        broker's fault, not the message's (the outbox relay counts it against no row)."""
        try:
            return self.broker.connection.is_connected
        except IncorrectState:  # not connected yet
            return False

    async def dead_letter(self, msg: NatsMessage, consumer: str, reason: str) -> None:
        raw = msg.raw_message
        subject = dlq_subject(self.settings.service)
        original_id = (raw.headers or {}).get("Nats-Msg-Id") or str(raw.metadata.sequence.stream)
        headers = {
            "Atelier-Dlq-Reason": header_value(reason)[:2000],
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
        self, message: Message, handler_name: str, handle: Handler, gave_up: GaveUp | None = None,
        *, concurrency: int = 1,
    ) -> None:
        """Register a durable pull consumer ``<service>-<handler>`` on ``message``'s subject,
        handling up to ``concurrency`` of its messages at once in this process (more than one
        lets a handler that waits on a thread, such as drawing, overlap another's round trips).

        ``handle(uow, envelope)`` runs inside the unit of work the kit opened and commits; it
        never commits itself. ``gave_up(uow, envelope, reason, poison)`` is told when a message
        is dead-lettered (poison, or after failing every delivery on transient faults), in a unit
        of work of its own, so that the service can record it and say so to whoever is waiting
        (best effort: the message is parked whatever it does, and replayable)."""
        if self.delivery is None:
            raise RuntimeError("a bus without units of work cannot consume")
        consumer = Consumer(f"{self.settings.service}-{handler_name}", message, handle, gave_up)
        self.consumed.append(consumer)

        @self.broker.subscriber(
            self.subject(message.subject),
            stream=JStream(self.stream(message.subject), declare=False),
            durable=consumer.name,
            pull_sub=PullSub(batch_size=1, timeout=5.0),
            max_workers=concurrency,
            ack_policy=AckPolicy.MANUAL,
            config=ConsumerConfig(
                ack_wait=self.settings.ack_wait_s,
                max_deliver=self.settings.max_deliver + 1,  # the last one only dead-letters
                filter_subject=self.subject(message.subject),
            ),
            title=consumer.name,
            inbox_prefix=f"{inbox_prefix(self.settings.service)}.".encode(),  # FastStream's own
            decoder=raw_body,
            # its payload is bytes to FastStream: atelier.devstack.schemas documents the envelope
            include_in_schema=False,
        )
        async def on_message(msg: NatsMessage) -> None:
            await self._deliver(msg, consumer)

    def listen(self, message: Message, hear: Callable[[Envelope], Awaitable[None]]) -> None:
        """Hear every ``message`` published from start() on, in this process alone: a core NATS
        subscription (no queue group, no consumer, no acknowledgement). A message missed while
        disconnected is lost: listen only for what a reader can also ask for (a status)."""
        if message.kind != "evt":
            raise ValueError(f"{message.subject} is not an event")
        self.listened.append((message, hear))

    async def _start_listening(self) -> None:
        connection = self.broker.connection
        for message, hear in self.listened:

            async def heard(msg: Any, message: Message = message,
                            hear: Callable[[Envelope], Awaitable[None]] = hear) -> None:
                try:
                    envelope = read(message, msg.data)
                except Invalid as exc:
                    log.warning("ignored an unreadable %s: %s", message.subject, exc)
                    return
                try:
                    await hear(envelope)
                except Exception:
                    log.exception("a listener of %s failed", message.subject)

            self._listening.append(
                await connection.subscribe(self.subject(message.subject), cb=heard))

    async def _deliver(self, msg: NatsMessage, consumer: Consumer) -> None:
        assert self.delivery is not None
        heartbeat = asyncio.create_task(self._keep_alive(msg))
        try:
            delivered = msg.raw_message.metadata.num_delivered
            outcome = await self.delivery.process(consumer, msg.body, delivered)
        finally:
            heartbeat.cancel()
        if outcome.verdict == "ack":
            await msg.ack()
        elif outcome.verdict == "retry":
            await msg.nack(delay=outcome.delay_s)
        elif await self._give_up(msg, consumer.name, outcome.reason):
            await self.delivery.tell(consumer, outcome)

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

    async def handle(
        self, message: Message, envelope: Envelope, *, request_key: str | None = None,
        delivered: int = 1, consumer: str | None = None,
    ) -> Any:
        """Deliver ``envelope`` to what this service registered for ``message`` by the path a
        delivery from NATS takes, without NATS: tests drive a service built with fakes so.

        A request gives the reply, or raises its problem, as ``call`` does (``request_key`` for a
        command). A consumed message is its ``delivered``-th delivery to the consumer (the one
        named ``consumer`` when the service has several for the message) and gives its
        ``Outcome``; one that is dead-lettered is told to the consumer's ``gave_up``, as when
        parking it succeeds."""
        body = envelope.model_dump_json().encode()
        # a task of its own, as each delivery has: the context it sets (brand, correlation)
        # stays there
        if message.kind == "rpc":
            return await asyncio.create_task(self.rpc.handle(message, body, request_key))
        assert self.delivery is not None
        matching = [c for c in self.consumed
                    if c.message == message and consumer in (None, c.name)]
        if len(matching) != 1:
            raise LookupError(f"{len(matching)} consumers of {message.subject} match {consumer}")
        outcome = await asyncio.create_task(self.delivery.process(matching[0], body, delivered))
        if outcome.verdict == "dead_letter":
            await self.delivery.tell(matching[0], outcome)
        return outcome

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
        await self._start_listening()
        await self.rpc.start()

    async def stop(self) -> None:
        """Stop taking requests, let the ones in flight answer, then close."""
        await self.rpc.stop()
        for subscription in self._listening:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        self._listening.clear()
        await self.broker.stop()


def brand_of(envelope: Envelope) -> str:
    """The tenant of a message; tenant-scoped work without one is refused."""
    if not envelope.brand_id:
        raise Invalid(
            "brand_id is required",
            [ErrorItem(field="brand_id", code=ErrorCode.INVALID_FIELD, message="Missing brand.")],
        )
    return envelope.brand_id

