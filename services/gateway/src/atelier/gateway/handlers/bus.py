"""Calls to the services behind the gateway, always on behalf of the caller's brand."""

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from atelier.contracts.catalog import Message
from atelier.gateway.auth import Caller
from atelier.kit.errors import Invalid, errors_of
from atelier.kit.runtime import Runtime

M = TypeVar("M", bound=BaseModel)


async def call(runtime: Runtime, caller: Caller, message: Message, data: BaseModel) -> Any:
    """Every bus call carries the caller's brand, the only one it may act for."""
    return await runtime.bus.call(
        message, data, brand_id=caller.brand_id, correlation_id=caller.correlation_id
    )


def command(message: type[M], **fields: Any) -> M:
    """A bus message built from a checked body and the path: a rule across them (unique zone
    keys, say) that still fails is the client's error, not ours."""
    try:
        return message(**fields)
    except ValidationError as exc:
        raise Invalid("The request has invalid fields.", errors_of(exc)) from exc
