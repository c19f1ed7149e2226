"""Bus entrypoints: translate messages to use-case calls and back."""

from atelier.contracts import Envelope
from atelier.contracts.catalog import CREATE_SPEC, GET_SPEC, SNAPSHOT_CREATED, VALIDATE_SPEC
from atelier.contracts.snapshot import SnapshotCreated
from atelier.contracts.spec import (
    CreateSpec,
    GetSpec,
    SpecCreatedReply,
    SpecValidation,
    StoredSpec,
    ValidateSpec,
)
from atelier.kit.broker import brand_of
from atelier.kit.outbox import UnitOfWork
from atelier.kit.runtime import Runtime
from atelier.spec import handlers
from atelier.spec.repository import SpecRepository

SNAPSHOT_CONSUMER = "snapshot-created"


def register(runtime: Runtime) -> None:
    async def create(
        uow: UnitOfWork[SpecRepository], envelope: Envelope[CreateSpec]
    ) -> SpecCreatedReply:
        return await handlers.create_spec(uow, brand_of(envelope), envelope.data.spec,
                                          cause=envelope)

    async def get(envelope: Envelope[GetSpec]) -> StoredSpec:
        return await handlers.get_spec(runtime.uow(), brand_of(envelope), envelope.data.spec_hash)

    async def validate(envelope: Envelope[ValidateSpec]) -> SpecValidation:
        # a pure check of the client's own document: no tenant data is read
        return handlers.validate_spec(envelope.data)

    async def on_snapshot(
        uow: UnitOfWork[SpecRepository], envelope: Envelope[SnapshotCreated]
    ) -> None:
        # a snapshot is created in one call: its spec is stored from the event (same hash)
        await handlers.create_spec(uow, brand_of(envelope), envelope.data.spec, cause=envelope)

    runtime.bus.serve_command(CREATE_SPEC, create)
    runtime.bus.consume(SNAPSHOT_CREATED, SNAPSHOT_CONSUMER, on_snapshot)
    runtime.bus.serve(GET_SPEC, get)
    runtime.bus.serve(VALIDATE_SPEC, validate)
