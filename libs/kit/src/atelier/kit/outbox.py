"""Transactional outbox and inbox.

A handler's domain rows and the messages it emits are written in one transaction (``UnitOfWork``);
the ``OutboxRelay`` (``atelier.kit.relay``) publishes them afterwards with ``Nats-Msg-Id`` =
envelope id, so a crash between commit and publish loses nothing and a re-publish is deduplicated.
The kit's consumer loop records the id of each message a consumer handled in its inbox in the same
transaction as the handler's writes, so a redelivery changes state once; a command records its
request key's answer likewise. There is no publish-after-commit anywhere.
"""

from collections.abc import Callable
from typing import Generic, Self, TypeVar

from opentelemetry import propagate
from pydantic import BaseModel
from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.contracts import Envelope
from atelier.contracts.catalog import Message
from atelier.kit.db import Database
from atelier.kit.tables import KitTables

R = TypeVar("R")


def notify_channel(schema: str) -> str:
    """What the relay listens on: the outbox's insert trigger (kit migration k0004) notifies it
    when the inserting transaction commits."""
    return f"atelier_outbox_{schema}"


class UnitOfWork(Generic[R]):
    """One transaction: domain rows, inbox mark and outbox rows commit together or not at all.

    ``repository`` is the service's statements over this transaction's session, built by
    ``repository_of(session)``: handlers write through it, never through SQL of their own, so
    that tests can give them a fake (``atelier.kit.testing.fakes``)."""

    def __init__(
        self, db: Database, producer: str, tables: KitTables,
        repository_of: Callable[[AsyncSession], R], brand_id: str | None = None,
    ) -> None:
        self.db = db
        self.producer = producer
        self.outbox = tables.outbox
        self.inbox = tables.inbox
        self.request_keys = tables.request_keys
        self.repository_of = repository_of
        # the brand whose rows it sees (row-level security, see atelier.kit.db); by default the
        # brand of the message or request in hand
        self.brand_id = brand_id
        self.session: AsyncSession
        self.repository: R
        self._pending: list[tuple[str, Envelope, dict[str, str]]] = []
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> Self:
        self.session = self.db.session(brand_id=self.brand_id)
        self.repository = self.repository_of(self.session)
        self._pending = []
        self._after_commit = []
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.rollback()
        await self.session.close()

    def emit(
        self,
        message: Message,
        data: BaseModel,
        *,
        brand_id: str | None,
        cause: Envelope | None = None,
    ) -> Envelope:
        """Queue a message to publish once this unit of work commits."""
        envelope = Envelope[type(data)](  # type: ignore[misc,operator]
            type=message.type,
            version=message.version,
            producer=self.producer,
            brand_id=brand_id,
            data=data,
            **(
                {"correlation_id": cause.correlation_id, "causation_id": cause.id}
                if cause is not None
                else {}
            ),
        )
        trace_headers: dict[str, str] = {}
        propagate.inject(trace_headers)
        self._pending.append((message.subject, envelope, trace_headers))
        return envelope

    def after_commit(self, effect: Callable[[], None]) -> None:
        """Run ``effect`` once the transaction has committed (and never if it does not): what
        the process remembers of the writes, a cache say, follows the database."""
        self._after_commit.append(effect)

    async def first_time(self, consumer: str, message_id: str) -> bool:
        """Mark a message handled by ``consumer``; False when it was handled before."""
        stmt = (
            pg_insert(self.inbox)
            .values(consumer=consumer, message_id=message_id)
            .on_conflict_do_nothing()
            .returning(self.inbox.c.message_id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def claim_request(self, method: str, brand_id: str, request_key: str) -> bytes | None:
        """Take ``request_key`` for this request: None when it is new (the caller does the work
        and records its reply before committing), else the reply recorded by the first request
        with that key. A twin still in flight holds the key's row: this waits for its commit
        (or its rollback, which leaves the key new)."""
        keys = self.request_keys
        claimed = (await self.session.execute(
            pg_insert(keys)
            .values(method=method, brand_id=brand_id, request_key=request_key)
            .on_conflict_do_nothing()
            .returning(keys.c.request_key)
        )).first()
        if claimed is not None:
            return None
        reply = (await self.session.execute(
            select(keys.c.reply).where(keys.c.method == method, keys.c.brand_id == brand_id,
                                       keys.c.request_key == request_key)
        )).scalar_one()
        assert reply is not None  # recorded in the transaction that claimed the key
        return bytes(reply)

    async def record_reply(
        self, method: str, brand_id: str, request_key: str, reply: bytes
    ) -> None:
        """The answer to a claimed request key, kept for its retries."""
        keys = self.request_keys
        await self.session.execute(
            update(keys)
            .where(keys.c.method == method, keys.c.brand_id == brand_id,
                   keys.c.request_key == request_key)
            .values(reply=reply)
        )

    async def commit(self) -> None:
        if self._pending:
            await self.session.execute(
                insert(self.outbox),
                [
                    {
                        "message_id": env.id,
                        "subject": subject,
                        "payload": env.model_dump_json().encode(),
                        "trace_headers": trace_headers,
                    }
                    for subject, env, trace_headers in self._pending
                ],
            )
        await self.session.commit()
        self._pending = []
        effects, self._after_commit = self._after_commit, []
        for effect in effects:
            effect()
