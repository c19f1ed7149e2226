"""The NATS broker and the delivery rules every consumer follows (DESIGN §4).

- Durable pull consumers with manual acknowledgement. The kit, not the handler, owns the unit of
  work: it opens the transaction, records the message in the inbox under the consumer's durable
  name, runs the handler, commits, and only then acknowledges. A message seen before is
  acknowledged without running the handler, so every handler changes state once per message
  whoever redelivers it (JetStream, a restart, a ``dlq replay``).
- A transient failure, or a handler that runs past ``handler_timeout_s``, rolls back and is NAKed
  with a growing delay; a message that cannot be parsed, raises ``PoisonMessage``/``Invalid`` or
  exhausts ``max_deliver`` goes to ``dlq.<service>`` with its reason and is terminated. Long
  handlers keep the message alive with ``in_progress()``.
- Request/reply (``bus.serve``, ``bus.call``) is ``atelier.kit.rpc``'s, on the same connection.
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
from pydantic import ValidationError

from atelier.contracts import Envelope, ErrorCode, ErrorItem
from atelier.contracts.catalog import Message, Stream, dlq_subject, owned_streams, stream_for
from atelier.kit import context
from atelier.kit.errors import Invalid, PoisonMessage
from atelier.kit.outbox import UnitOfWork
from atelier.kit.rpc import Rpc
from atelier.kit.settings import ServiceSettings
from atelier.kit.telemetry import Metrics

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, Envelope], Awaitable[None]]
# told when a message is dead-lettered: its own unit of work, the message, why, and whether it
# was poison (it can never succeed) rather than given up on after transient faults
GaveUp = Callable[[UnitOfWork, Envelope, str, bool], Awaitable[None]]
Units = Callable[[], UnitOfWork]


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


class HandlerTimeout(Exception):
    """A handler ran past ``handler_timeout_s``: cut off, rolled back, tried again later."""


def retry_delay(settings: ServiceSettings, delivered: int) -> float:
    """Growing delay before the next delivery: base, 2×base, 4×base … capped.

    The kit asks for it with each NAK rather than setting the consumer's BackOff: JetStream uses
    a BackOff only after AckWait runs out (a bare NAK comes back at once), replaces AckWait with
    its first value (a handler longer than that would be delivered twice) and adds it to a NAK's
    own delay."""
    return settings.delivery_backoff.delay(delivered)


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
        self.units = units  # the service's units of work; a bus that only calls has none
        self.namespace = settings.bus_namespace
        self.consumers: list[tuple[str, str]] = []  # (stream, durable) of every consume()
        self.rpc = Rpc(broker, settings, metrics, self.subject, tracer_provider, units)
        # request/reply is the rpc module's: the bus hands out its verbs
        self.serve = self.rpc.serve  # before start()
        self.serve_command = self.rpc.serve_command
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

        ``handle(uow, envelope)`` runs inside the unit of work the kit opened and commits; it
        never commits itself. ``gave_up(uow, envelope, reason, poison)`` is told when a message
        is dead-lettered (poison, or after failing every delivery on transient faults), in a unit
        of work of its own, so that the service can record it and say so to whoever is waiting
        (best effort: the message is parked whatever it does, and replayable)."""
        if self.units is None:
            raise RuntimeError("a bus without units of work cannot consume")
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
            inbox_prefix=f"{inbox_prefix(self.settings.service)}.".encode(),  # FastStream's own
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
            await self._handle_once(consumer, envelope, handle)
        except (PoisonMessage, Invalid) as exc:  # invalid input never becomes valid by retrying
            await self._dead_letter_poison(msg, consumer, envelope, f"poison message: {exc}",
                                           gave_up)
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

    async def _handle_once(self, consumer: str, envelope: Envelope, handle: Handler) -> None:
        """Inbox entry, handler and commit in one transaction; a message seen before by this
        consumer does nothing. A handler that hangs is cut off (and the work rolled back)."""
        assert self.units is not None
        limit = self.settings.handler_timeout_s
        try:
            async with asyncio.timeout(limit) as deadline, self.units() as uow:
                if await uow.first_time(consumer, envelope.id):
                    await handle(uow, envelope)
                    await uow.commit()
        except TimeoutError as exc:
            if deadline.expired():
                raise HandlerTimeout(f"{consumer} ran past its {limit:g} s") from exc
            raise

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
        if await self._give_up(msg, consumer, reason):
            await self._tell(gave_up, consumer, envelope, reason, poison=False)

    async def _dead_letter_poison(
        self, msg: NatsMessage, consumer: str, envelope: Envelope, reason: str,
        gave_up: GaveUp | None,
    ) -> None:
        if await self._give_up(msg, consumer, reason):
            await self._tell(gave_up, consumer, envelope, reason, poison=True)

    async def _tell(
        self, gave_up: GaveUp | None, consumer: str, envelope: Envelope, reason: str, poison: bool
    ) -> None:
        if gave_up is None:
            return
        assert self.units is not None
        try:
            async with self.units() as uow:
                await gave_up(uow, envelope, reason, poison)
                await uow.commit()
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

