"""Fakes for unit tests. Integration tests use the real Postgres and NATS instead.

A service built by its ``bootstrap(..., units=FakeUnits(FakeRepository(), "<service>"))`` runs
without Postgres, and ``runtime.bus.handle(message, envelope)`` drives its entrypoints the way
deliveries from NATS do, without NATS: the handler tests of every service work so.
"""

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel

from atelier.contracts import Envelope
from atelier.contracts.catalog import Message
from atelier.kit.outbox import UnitOfWork
from atelier.kit.storage import ObjectNotFound, StoredObject, check_key, check_prefix

R = TypeVar("R")


class InMemoryStore:
    """An ``ObjectStore`` in a dict; ``reads`` lists the keys read, in order."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.modified: dict[str, datetime] = {}
        self.reads: list[str] = []

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[check_key(key)] = (data, content_type)
        self.modified[key] = datetime.now(UTC)

    async def get(self, key: str) -> bytes:
        self.reads.append(key)
        try:
            return self.objects[key][0]
        except KeyError as exc:
            raise ObjectNotFound(key) from exc

    async def exists(self, key: str) -> bool:
        return key in self.objects

    async def signed_url(self, key: str, expires: timedelta) -> str | None:
        return None

    async def list_objects(self, prefix: str) -> list[StoredObject]:
        return sorted(StoredObject(key, self.modified[key]) for key in self.objects
                      if key.startswith(check_prefix(prefix)))

    async def delete(self, key: str) -> None:
        self.objects.pop(check_key(key), None)
        self.modified.pop(key, None)


class FakeUnits(Generic[R]):
    """A service's units of work in memory, and what the committed ones left behind.

    ``repository`` is the service's fake repository as committed units left it: each unit works
    on a copy, which its commit keeps and its end without commit drops (a rollback). ``emitted``
    holds the messages committed units emitted, in order (the outbox); ``inbox`` and ``replies``
    the kit's inbox and request keys."""

    def __init__(self, repository: R, producer: str) -> None:
        self.repository = repository
        self.producer = producer  # the service's name, as the real units stamp it
        self.emitted: list[Envelope] = []
        self.inbox: set[tuple[str, str]] = set()
        self.replies: dict[tuple[str, str, str], bytes] = {}

    def __call__(self, brand_id: str | None = None) -> "FakeUnitOfWork[R]":
        """A unit of work on the fake (which keeps no brands apart: no row-level security)."""
        return FakeUnitOfWork(self)

    def emitted_data(self, message: Message) -> list[Any]:
        """The data of the committed messages of ``message``'s type, in order."""
        return [e.data for e in self.emitted if e.type == message.type]


class FakeUnitOfWork(UnitOfWork[R]):
    """The kit's ``UnitOfWork`` with its storage in memory: messages are queued by the same
    ``emit`` and effects by the same ``after_commit``; the repository, the inbox and the request
    keys are ``FakeUnits``'. It has no ``session``: a handler reaches its data through
    ``uow.repository`` only."""

    def __init__(self, units: FakeUnits[R]) -> None:  # no database: the storage below replaces it
        self.units = units
        self.producer = units.producer
        self.committed = False
        self._forget()

    def _forget(self) -> None:
        """Drop what this transaction did (not committed, or committed already)."""
        self._pending: list[tuple[str, Envelope, dict[str, str]]] = []
        self._after_commit: list[Callable[[], None]] = []
        self._inbox: set[tuple[str, str]] = set()
        self._replies: dict[tuple[str, str, str], bytes] = {}

    async def __aenter__(self) -> Self:
        self.repository = copy.deepcopy(self.units.repository)
        self._forget()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._forget()  # a rollback: the repository's copy goes with this unit

    async def first_time(self, consumer: str, message_id: str) -> bool:
        entry = (consumer, message_id)
        if entry in self.units.inbox or entry in self._inbox:
            return False
        self._inbox.add(entry)
        return True

    async def claim_request(self, method: str, brand_id: str, request_key: str) -> bytes | None:
        return self.units.replies.get((method, brand_id, request_key))

    async def record_reply(
        self, method: str, brand_id: str, request_key: str, reply: bytes
    ) -> None:
        self._replies[(method, brand_id, request_key)] = reply

    async def commit(self) -> None:
        units = self.units
        units.repository = self.repository
        units.inbox |= self._inbox
        units.replies.update(self._replies)
        units.emitted.extend(envelope for _, envelope, _ in self._pending)
        effects = self._after_commit
        self._forget()
        self.repository = copy.deepcopy(units.repository)  # what follows needs its own commit
        self.committed = True
        for effect in effects:
            effect()


def envelope(
    message: Message, data: BaseModel, *, brand_id: str | None, producer: str = "test"
) -> Envelope:
    """``data`` as ``producer`` sends it on ``message``'s subject, for ``bus.handle``."""
    return Envelope[type(data)](  # type: ignore[misc,operator]
        type=message.type, version=message.version, producer=producer, brand_id=brand_id,
        data=data,
    )
