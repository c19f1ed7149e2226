"""Bus entrypoints: translate messages to use-case calls and back."""

from atelier.contracts import Envelope
from atelier.contracts.catalog import CREATE_SPEC
from atelier.contracts.spec import CreateSpec, SpecCreatedReply
from atelier.kit.broker import brand_of
from atelier.kit.runtime import Runtime
from atelier.spec import handlers


def register(runtime: Runtime) -> None:
    async def create(envelope: Envelope[CreateSpec]) -> SpecCreatedReply:
        return await handlers.create_spec(
            runtime.uow(), brand_of(envelope), envelope.data.spec, cause=envelope
        )

    runtime.bus.serve(CREATE_SPEC, create)
