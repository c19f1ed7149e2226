"""The delivery rules of durable consumers (DESIGN §4), whatever brings the message.

The kit, not the handler, owns the unit of work: it opens the transaction, records the message in
the inbox under the consumer's durable name, runs the handler, commits, and only then is the
message acknowledged. A message seen before does nothing, so every handler changes state once per
message whoever redelivers it. A transient failure, or a handler that runs past
``handler_timeout_s``, rolls back and is tried again after a growing delay. Poison is
dead-lettered at once, with the reason: a message that cannot be read as the consumer's message
(not JSON, not an envelope, another type or version, data its model refuses), or whose handling
fails the same way whenever it is tried (``PoisonMessage``, ``Invalid``, a value PostgreSQL
refuses as such, a ``RecursionError``). A message that exhausts ``max_deliver`` is
dead-lettered too.

``Delivery.process`` decides what one delivery comes to (an ``Outcome``); the bus acts on it with
NATS (ack, nak with delay, dead-letter subject), and ``Bus.handle`` runs the same rules for tests
that have no NATS.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from atelier.contracts import Envelope
from atelier.contracts.catalog import Message, envelope_model
from atelier.kit import context
from atelier.kit.db import refused_value
from atelier.kit.errors import Invalid, PoisonMessage, describe, errors_of
from atelier.kit.outbox import UnitOfWork
from atelier.kit.settings import ServiceSettings

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork[Any], Envelope], Awaitable[None]]
# told when a message is dead-lettered: its own unit of work, the message, why, and whether it
# was poison (it can never succeed) rather than given up on after transient faults
GaveUp = Callable[[UnitOfWork[Any], Envelope, str, bool], Awaitable[None]]


class Units(Protocol):
    """Opens a service's unit of work, on the brand in hand or on ``brand_id``."""

    def __call__(self, brand_id: str | None = None) -> UnitOfWork[Any]: ...


@dataclass(frozen=True)
class Consumer:
    name: str  # the durable consumer's, and its inbox's
    message: Message
    handle: Handler
    gave_up: GaveUp | None


def read(message: Message, body: bytes) -> Envelope:
    """``body`` as an envelope of ``message``: raises ``Invalid`` naming what is wrong when it is
    not JSON, not an envelope, of another type or version, or its data breaks the model."""
    try:
        return envelope_model(message).model_validate_json(body)
    except ValidationError as exc:
        raise Invalid("invalid message", errors_of(exc)) from None


def poison_reason(exc: BaseException) -> str | None:
    """Why a failed handling can never succeed, or None when trying again may help.

    PostgreSQL refusing a value as such (SQLSTATE class 22: a NUL in a string, a number out of
    its column's range) and Python's recursion limit (a structure nested without end) meet the
    same input the same way every time."""
    if isinstance(exc, PoisonMessage | Invalid):
        return str(exc)
    refused = refused_value(exc) or (exc if isinstance(exc, RecursionError) else None)
    # the database's own words, never the statement SQLAlchemy adds to them
    return None if refused is None else f"{type(refused).__name__}: {refused}"


@dataclass(frozen=True)
class Outcome:
    """What one delivery came to: acknowledged, tried again in ``delay_s``, or dead-lettered for
    ``reason`` (``poison`` when retrying could never help)."""

    verdict: Literal["ack", "retry", "dead_letter"]
    delay_s: float = 0.0
    reason: str = ""
    poison: bool = False
    envelope: Envelope | None = None  # the message, when it could be read


class HandlerTimeout(Exception):
    """A handler ran past ``handler_timeout_s``: cut off, rolled back, tried again later."""


def retry_delay(settings: ServiceSettings, delivered: int) -> float:
    """Growing delay before the next delivery: base, 2×base, 4×base … capped.

    The kit asks for it with each NAK rather than setting the consumer's BackOff: JetStream uses
    a BackOff only after AckWait runs out (a bare NAK comes back at once), replaces AckWait with
    its first value (a handler longer than that would be delivered twice) and adds it to a NAK's
    own delay."""
    return settings.delivery_backoff.delay(delivered)


class Delivery:
    """The rules, over a service's settings and units of work."""

    def __init__(self, settings: ServiceSettings, units: Units) -> None:
        self.settings = settings
        self.units = units

    async def process(self, consumer: Consumer, body: bytes, delivered: int) -> Outcome:
        """What the ``delivered``-th delivery of ``body`` to ``consumer`` comes to."""
        try:
            envelope = read(consumer.message, body)
        except Invalid as exc:
            return Outcome("dead_letter", reason=describe(exc), poison=True)
        context.correlation_id.set(envelope.correlation_id)
        context.brand_id.set(envelope.brand_id)
        if delivered > self.settings.max_deliver:
            # the spare delivery comes only when parking the message failed: park it, do not
            # run a handler that already had all its chances
            return Outcome("dead_letter", reason=f"failed {delivered - 1} times",
                           envelope=envelope)
        try:
            await self._handle_once(consumer, envelope)
        except Exception as exc:
            why = poison_reason(exc)
            if why is not None:  # invalid input never becomes valid by retrying
                return Outcome("dead_letter", reason=f"poison message: {why}", poison=True,
                               envelope=envelope)
            if delivered >= self.settings.max_deliver:
                return Outcome("dead_letter", reason=f"failed {delivered} times, last: {exc!r}",
                               envelope=envelope)
            delay = retry_delay(self.settings, delivered)
            log.warning("%s failed (delivery %d), retrying in %.1fs: %r",
                        consumer.name, delivered, delay, exc)
            return Outcome("retry", delay_s=delay)
        return Outcome("ack")

    async def _handle_once(self, consumer: Consumer, envelope: Envelope) -> None:
        """Inbox entry, handler and commit in one transaction; a message seen before by this
        consumer does nothing. A handler that hangs is cut off (and the work rolled back)."""
        limit = self.settings.handler_timeout_s
        try:
            async with asyncio.timeout(limit) as deadline, self.units() as uow:
                if await uow.first_time(consumer.name, envelope.id):
                    await consumer.handle(uow, envelope)
                    await uow.commit()
        except TimeoutError as exc:
            if deadline.expired():
                raise HandlerTimeout(f"{consumer.name} ran past its {limit:g} s") from exc
            raise

    async def tell(self, consumer: Consumer, outcome: Outcome) -> None:
        """Tell the consumer's ``gave_up`` about a message that was parked (one it could read),
        best effort: the message is parked whatever it does."""
        if consumer.gave_up is None or outcome.envelope is None:
            return
        try:  # in the message's brand, as its handler was
            async with self.units(outcome.envelope.brand_id) as uow:
                await consumer.gave_up(uow, outcome.envelope, outcome.reason, outcome.poison)
                await uow.commit()
        except Exception:
            log.exception("%s could not record that it gave up on %s", consumer.name,
                          outcome.envelope.id)
