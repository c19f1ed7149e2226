"""Bus entrypoints: translate messages to use-case calls and back."""

from atelier.contracts import Envelope
from atelier.contracts.catalog import (
    CREATE_SNAPSHOT,
    GET_SNAPSHOT,
    LOCK_SNAPSHOT,
    VALIDATE_SNAPSHOT,
)
from atelier.contracts.snapshot import (
    CreateSnapshot,
    GetSnapshot,
    LockSnapshot,
    SnapshotView,
    ValidateSnapshot,
)
from atelier.kit.broker import brand_of
from atelier.kit.outbox import UnitOfWork
from atelier.kit.runtime import Runtime
from atelier.snapshot import handlers
from atelier.snapshot.repository import SnapshotRepository


def register(runtime: Runtime) -> None:
    async def create(
        uow: UnitOfWork[SnapshotRepository], envelope: Envelope[CreateSnapshot]
    ) -> SnapshotView:
        return await handlers.create_snapshot(uow, brand_of(envelope), envelope.data,
                                              cause=envelope)

    async def get(envelope: Envelope[GetSnapshot]) -> SnapshotView:
        return await handlers.get_snapshot(
            runtime.uow(), brand_of(envelope), envelope.data.snapshot_id
        )

    async def validate(
        uow: UnitOfWork[SnapshotRepository], envelope: Envelope[ValidateSnapshot]
    ) -> SnapshotView:
        return await handlers.validate_snapshot(uow, brand_of(envelope), envelope.data,
                                                cause=envelope)

    async def lock(
        uow: UnitOfWork[SnapshotRepository], envelope: Envelope[LockSnapshot]
    ) -> SnapshotView:
        return await handlers.lock_snapshot(uow, brand_of(envelope), envelope.data, cause=envelope)

    runtime.bus.serve_command(CREATE_SNAPSHOT, create)
    runtime.bus.serve(GET_SNAPSHOT, get)
    runtime.bus.serve_command(VALIDATE_SNAPSHOT, validate)
    runtime.bus.serve_command(LOCK_SNAPSHOT, lock)
