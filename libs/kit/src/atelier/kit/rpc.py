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
from typing import Any, NamedTuple

from faststream.nats import NatsBroker
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind
from pydantic import BaseModel

from atelier.contracts import Envelope, ErrorCode, ErrorItem, RpcReply, new_id
from atelier.contracts.catalog import Message
from atelier.kit import context
from atelier.kit.delivery import Units, poison_reason, read
from atelier.kit.errors import AtelierError, Invalid, Unavailable
from atelier.kit.outbox import UnitOfWork
from atelier.kit.settings import ServiceSettings
from atelier.kit.telemetry import Metrics

log = logging.getLogger(__name__)

REQUEST_KEY = "Atelier-Request-Key"  # the header naming a mutating call's request
MAX_REQUEST_KEY = 255

RpcHandler = Callable[[Envelope], Awaitable[BaseModel]]
CommandHandler = Callable[[UnitOfWork[Any], Envelope], Awaitable[BaseModel]]
# a served request's serialized reply, from its envelope and request key
Answer = Callable[[Envelope, str | None], Awaitable[bytes]]


class Served(NamedTuple):
    message: Message
    answer: Answer


class Rpc:
    """One service's request/reply: the methods it answers and the calls it makes.

    Queries (``serve``) answer from whatever they read. Commands (``serve_command``, the
    catalog's mutating methods) carry a request key: the kit claims it in the unit of work it
    opens for the handler and records the reply in the same transaction, so a call retried after
    a timeout (or by a client repeating its Idempotency-Key) gets the first answer again instead
    of doing the work twice. Beyond ``rpc_concurrency`` running and ``rpc_queue_limit`` waiting
    requests, a request is refused at once with ``unavailable`` and a retry hint: a caller
    learns the service is saturated instead of waiting for its timeout.
    """

    def __init__(
        self,
        broker: NatsBroker,
        settings: ServiceSettings,
        metrics: Metrics,
        subject: Callable[[str], str],
        tracer_provider: TracerProvider | None = None,
        units: Units | None = None,
    ) -> None:
        self.broker = broker
        self.settings = settings
        self.metrics = metrics
        self.subject = subject  # the subject as it is on the wire (namespaced)
        self.units = units
        self.tracer = trace.get_tracer(__name__, tracer_provider=tracer_provider)
        self._served: dict[str, Served] = {}  # by subject
        self._subscriptions: list[Subscription] = []
        self._slots = asyncio.Semaphore(settings.rpc_concurrency)
        self._capacity = settings.rpc_concurrency + settings.rpc_queue_limit
        self._in_flight: set[asyncio.Task] = set()

    # --- serving -------------------------------------------------------------------------------
    def serve(self, message: Message, handle: RpcHandler) -> None:
        """Answer the query ``rpc.<service>.<method>`` in the queue group of this service (from
        start())."""
        if message.mutates:
            raise ValueError(f"{message.subject} mutates: serve it with serve_command")

        async def answer(envelope: Envelope, _: str | None) -> bytes:
            return _ok(await handle(envelope))

        self._add(message, answer)

    def serve_command(self, message: Message, handle: CommandHandler) -> None:
        """Answer the mutating ``rpc.<service>.<method>``: ``handle(uow, envelope)`` runs in the
        unit of work the kit opened, which commits the handler's writes, its messages and the
        request key's reply together (the handler never commits). The request key is the
        handler's ``atelier.kit.context.request_key`` while it runs."""
        if not message.mutates:
            raise ValueError(f"{message.subject} is a query: serve it with serve")
        if self.units is None:
            raise RuntimeError("a bus without units of work cannot serve commands")
        units = self.units

        async def answer(envelope: Envelope, key: str | None) -> bytes:
            brand = envelope.brand_id
            if not brand or not key or len(key) > MAX_REQUEST_KEY:
                raise Invalid("A command needs a brand and a request key.", [ErrorItem(
                    field="brand_id" if not brand else REQUEST_KEY, code=ErrorCode.REQUIRED,
                    message="Commands are sent with the caller's brand and a request key "
                    f"of 1 to {MAX_REQUEST_KEY} characters.")])
            async with units() as uow:
                first = await uow.claim_request(message.subject, brand, key)
                if first is not None:
                    return first
                # the handler reads its request's key here (``context.request_key``): what it
                # asks of the world outside (a payment provider) goes under a key derived from
                # it, so that a retried request is never done twice there either
                context.request_key.set(key)
                reply = _ok(await handle(uow, envelope))
                await uow.record_reply(message.subject, brand, key, reply)
                await uow.commit()
            return reply

        self._add(message, answer)

    def _add(self, message: Message, answer: Answer) -> None:
        self._served[message.subject] = Served(message, answer)

    @property
    def served(self) -> list[Message]:
        """The rpc messages this service answers."""
        return [served.message for served in self._served.values()]

    async def handle(self, message: Message, body: bytes, request_key: str | None) -> Any:
        """Answer ``body`` as a request to ``message`` (with ``request_key``) is answered from the
        wire, but without NATS: the reply model, or the problem raised (``call``'s result)."""
        reply, _ = await self._answer(self._served[message.subject], body, request_key)
        return _reply_data(message, reply)

    async def start(self) -> None:
        """Subscribe to every served subject on the broker's (started) connection."""
        connection = self.broker.connection
        for served in self._served.values():
            self._subscriptions.append(await connection.subscribe(
                self.subject(served.message.subject), queue=self.settings.service,
                cb=self._responder(served),
            ))
        await connection.flush()

    async def stop(self) -> None:
        """Stop taking requests and let the ones in flight answer."""
        for subscription in self._subscriptions:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        self._subscriptions.clear()
        await asyncio.gather(*self._in_flight, return_exceptions=True)

    def _responder(self, served: Served) -> Callable[[Msg], Awaitable[None]]:
        async def on_request(msg: Msg) -> None:
            if len(self._in_flight) >= self._capacity:
                await self._refuse(msg, served.message.subject)
                return
            # one task per request: handlers that wait on the database overlap (nats-py would
            # otherwise run a subscription's callbacks one after another)
            task = asyncio.create_task(self._respond(msg, served))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

        return on_request

    async def _refuse(self, msg: Msg, subject: str) -> None:
        """Saturated: say so at once, with when to try again."""
        self.metrics.rpc_refused.labels(subject).inc()
        busy = Unavailable(f"{self.settings.service} is at capacity; try again shortly.",
                           retry_after_s=1)
        with contextlib.suppress(Exception):
            await msg.respond(_problem(busy))

    async def _respond(self, msg: Msg, served: Served) -> None:
        subject = served.message.subject
        async with self._slots:
            started = time.perf_counter()
            headers = msg.headers or {}
            with self.tracer.start_as_current_span(
                f"{subject} process", context=propagate.extract(headers), kind=SpanKind.SERVER
            ):
                reply, outcome = await self._answer(served, msg.data, headers.get(REQUEST_KEY))
            try:
                await msg.respond(reply)
            except Exception as exc:  # the caller gave up or the connection is closing
                log.warning("could not answer %s: %r", subject, exc)
            self.metrics.rpc_duration.labels(subject, outcome).observe(
                time.perf_counter() - started
            )

    async def _answer(
        self, served: Served, body: bytes, request_key: str | None
    ) -> tuple[bytes, str]:
        """The serialized reply and its outcome for the metrics ("ok" or the problem's status)."""
        subject = served.message.subject
        error: AtelierError
        try:
            envelope = read(served.message, body)
        except Invalid as exc:
            return _problem(exc), str(exc.status)
        context.correlation_id.set(envelope.correlation_id)
        context.brand_id.set(envelope.brand_id)
        try:
            async with asyncio.timeout(self.settings.rpc_handler_timeout_s):
                return await served.answer(envelope, request_key), "ok"
        except AtelierError as exc:
            error = exc
        except TimeoutError:
            error = Unavailable(f"{subject} took too long; try again.", retry_after_s=1)
        except Exception as exc:
            why = poison_reason(exc)
            if why is None:
                log.exception("rpc %s failed", subject)
                error = AtelierError("unexpected")
            else:  # the request itself can never succeed: the caller's to fix, not a fault
                error = Invalid("The request cannot be processed.", [ErrorItem(
                    field="body", code=ErrorCode.INVALID_FIELD, message=why)])
        return _problem(error), str(error.status)

    # --- calling -------------------------------------------------------------------------------
    async def call(
        self,
        message: Message,
        data: BaseModel,
        *,
        brand_id: str | None,
        correlation_id: str | None = None,
        request_key: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the request's deadline, passed to NATS
    ) -> Any:
        """Request/reply: returns the reply model, or raises the remote problem as an error.

        A mutating call carries ``request_key`` (by default the context's, else a new one) and
        is sent once more under the same key when the first attempt gets no answer: the service
        answers a repeated key with its first answer, so the work is never done twice."""
        envelope = Envelope[type(data)](  # type: ignore[misc,operator]
            type=message.type,
            version=message.version,
            producer=self.settings.service,
            brand_id=brand_id,
            data=data,
            **({"correlation_id": correlation_id} if correlation_id else {}),
        )
        payload = envelope.model_dump_json().encode()
        timeout = timeout or self.settings.rpc_call_timeout_s
        attempts = 2 if message.mutates else 1
        key = (request_key or context.request_key.get() or new_id()) if message.mutates else None
        with self.tracer.start_as_current_span(f"{message.subject} request", kind=SpanKind.CLIENT):
            headers: dict[str, str] = {REQUEST_KEY: key} if key else {}
            propagate.inject(headers)
            for attempt in range(1, attempts + 1):
                try:
                    response = await self.broker.connection.request(
                        self.subject(message.subject), payload, timeout=timeout, headers=headers,
                    )
                    break
                except Exception as exc:  # no responders, timeout, disconnected
                    if attempt == attempts:
                        raise Unavailable(
                            f"{message.subject} did not answer: {type(exc).__name__}",
                            retry_after_s=1,
                        ) from exc
        return _reply_data(message, response.data)


def _reply_data(message: Message, body: bytes) -> Any:
    """The data of a serialized reply to ``message``, or its problem raised as an error."""
    assert message.reply is not None
    reply = RpcReply[message.reply].model_validate_json(body)  # type: ignore[name-defined]
    if not reply.ok:
        assert reply.problem is not None
        raise AtelierError.from_problem(reply.problem)
    return reply.data


def _ok(result: BaseModel) -> bytes:
    return RpcReply(ok=True, data=result).model_dump_json().encode()


def _problem(error: AtelierError) -> bytes:
    return RpcReply(ok=False, problem=error.problem).model_dump_json().encode()
