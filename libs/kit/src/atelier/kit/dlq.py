"""Dead letters and parked outbox rows: list them and send them back
(``python -m atelier.<svc> dlq list|replay|retry-outbox``).

A message lands in ``dlq.<service>`` (stream ``DLQ_<SERVICE>``) with the subject it came from,
the consumer that gave up and the reason in its headers. Once the cause is fixed, ``replay``
publishes each one again to its original subject (a fresh ``Nats-Msg-Id``, so JetStream's
dedup window does not swallow it; the envelope id is unchanged, so a consumer's inbox still
makes it count once) and removes it from the dead-letter stream.

An outbox row the broker refused on every attempt is parked in the outbox with its last error
(``atelier.kit.relay``); ``retry-outbox`` gives it a fresh set of attempts, due at once, and
wakes the relay.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nats.errors
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext
from sqlalchemy import Row, Select, Table, select, text, update

from atelier.contracts.catalog import dlq_subject, stream_for
from atelier.kit.broker import namespaced, namespaced_stream
from atelier.kit.db import Database
from atelier.kit.outbox import notify_channel

REASON, SUBJECT, CONSUMER = "Atelier-Dlq-Reason", "Atelier-Dlq-Subject", "Atelier-Dlq-Consumer"


@dataclass(frozen=True)
class DeadLetter:
    sequence: int
    subject: str
    consumer: str
    reason: str
    message_id: str
    data: bytes


def _stream(service: str, namespace: str) -> str:
    return namespaced_stream(namespace, stream_for(dlq_subject(service)).name)


async def dead_letters(js: JetStreamContext, service: str, namespace: str = "") -> list[DeadLetter]:
    """Every message now in the service's dead-letter stream, oldest first."""
    stream = _stream(service, namespace)
    subscription = await js.pull_subscribe(
        namespaced(namespace, dlq_subject(service)), stream=stream,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL,
                              inactive_threshold=30.0),
    )
    letters: list[DeadLetter] = []
    try:
        while True:
            try:
                batch = await subscription.fetch(100, timeout=0.5)
            except (nats.errors.TimeoutError, TimeoutError):
                break
            for msg in batch:
                headers = msg.headers or {}
                letters.append(DeadLetter(
                    sequence=msg.metadata.sequence.stream,
                    subject=headers.get(SUBJECT, ""),
                    consumer=headers.get(CONSUMER, ""),
                    reason=headers.get(REASON, ""),
                    message_id=headers.get("Nats-Msg-Id", ""),
                    data=msg.data,
                ))
    finally:
        await subscription.unsubscribe()
    return letters


async def replay(
    js: JetStreamContext, service: str, namespace: str = "", sequences: set[int] | None = None
) -> list[DeadLetter]:
    """Publish dead letters (all, or those with the given stream sequences) to their original
    subjects, then delete them from the dead-letter stream. Returns what was replayed."""
    replayed = []
    for letter in await dead_letters(js, service, namespace):
        if sequences is not None and letter.sequence not in sequences:
            continue
        if not letter.subject:
            continue  # not a dead letter of ours: leave it for a person to look at
        await js.publish(letter.subject, letter.data, headers={
            "Nats-Msg-Id": f"replay:{letter.sequence}:{letter.message_id}",
            "Atelier-Replayed-From": str(letter.sequence),
        })
        await js.delete_msg(_stream(service, namespace), letter.sequence)
        replayed.append(letter)
    return replayed


@dataclass(frozen=True)
class ParkedRow:
    seq: int
    subject: str
    message_id: str
    attempts: int
    reason: str
    parked_at: datetime


def _parked(outbox: Table, sequences: set[int] | None) -> Select:
    o = outbox
    query = select(o.c.seq, o.c.subject, o.c.message_id, o.c.attempts, o.c.last_error,
                   o.c.parked_at).where(o.c.parked_at.is_not(None)).order_by(o.c.seq)
    return query if sequences is None else query.where(o.c.seq.in_(sequences))


def _parked_row(row: Row[Any]) -> ParkedRow:
    return ParkedRow(row.seq, row.subject, row.message_id, row.attempts, row.last_error or "",
                     row.parked_at)


async def parked_rows(db: Database, outbox: Table) -> list[ParkedRow]:
    """Every outbox row parked after its last attempt, oldest first."""
    async with db.sessions() as session:
        return [_parked_row(row) for row in await session.execute(_parked(outbox, None))]


async def retry_parked(
    db: Database, outbox: Table, sequences: set[int] | None = None
) -> list[ParkedRow]:
    """Give parked rows (all, or those with the given ``seq``) a fresh set of attempts, due at
    once, and wake the relay. Returns them as they were."""
    o = outbox
    async with db.sessions() as session, session.begin():
        rows = [_parked_row(row)
                for row in await session.execute(_parked(o, sequences).with_for_update())]
        if rows:
            await session.execute(
                update(o).where(o.c.seq.in_([row.seq for row in rows]))
                .values(parked_at=None, attempts=0, next_attempt_at=None)
            )
            await session.execute(text("SELECT pg_notify(:channel, '')"),
                                  {"channel": notify_channel(db.schema)})
    return rows
