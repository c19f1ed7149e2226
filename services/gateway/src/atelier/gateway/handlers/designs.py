"""The widget's designs: a product's configuration, design checks, and designs stored as specs."""

from atelier.contracts.catalog import (
    AUTOFIT_DESIGN,
    CREATE_SPEC,
    GET_PRODUCT_CONFIG,
    GET_SPEC,
    NORMALIZE_DESIGN,
    VALIDATE_DESIGN,
    VALIDATE_SPEC,
    Message,
)
from atelier.contracts.personalization import GetProductConfig, ValidationResult, WidgetConfig
from atelier.contracts.spec import (
    CreateSpec,
    DesignSpec,
    GetSpec,
    SpecCreatedReply,
    SpecValidation,
    StoredSpec,
    ValidateSpec,
)
from atelier.gateway import domain, schemas
from atelier.gateway.auth import Caller
from atelier.gateway.handlers.bus import call
from atelier.kit.errors import Invalid
from atelier.kit.runtime import Runtime


async def product_config(runtime: Runtime, caller: Caller, product_id: str) -> WidgetConfig:
    return await call(runtime, caller, GET_PRODUCT_CONFIG, GetProductConfig(product_id=product_id))


DESIGN_CHECKS: dict[str, Message] = {"validate": VALIDATE_DESIGN, "normalize": NORMALIZE_DESIGN,
                 "autofit": AUTOFIT_DESIGN}


async def check_design(
    runtime: Runtime, caller: Caller, design: schemas.Design, check: str = "validate"
) -> ValidationResult:
    """``validate``, ``normalize`` or ``autofit`` a design: the design goes on as it came."""
    return await call(runtime, caller, DESIGN_CHECKS[check], design)


async def resolved_spec(runtime: Runtime, caller: Caller, design: schemas.Design) -> DesignSpec:
    """The design as the rules engine resolves it (normalized, auto-fitted, fonts pinned): never
    the client's own spec. An invalid design is refused here, before anything is written."""
    spec, _ = await resolved(runtime, caller, design)
    return spec


async def resolved(
    runtime: Runtime, caller: Caller, design: schemas.Design
) -> tuple[DesignSpec, ValidationResult]:
    """``resolved_spec``, and the validation it comes from (its words for review)."""
    result = await check_design(runtime, caller, design)
    if not result.valid or result.design is None:
        raise Invalid("The design is not valid.", domain.design_errors(result))
    return result.design, result


async def create_spec(runtime: Runtime, caller: Caller, design: schemas.Design) -> StoredSpec:
    """Validate, then store the resolved design as a spec; an invalid design writes nothing."""
    spec = await resolved_spec(runtime, caller, design)
    stored: SpecCreatedReply = await call(runtime, caller, CREATE_SPEC, CreateSpec(spec=spec))
    return StoredSpec(spec_hash=stored.spec_hash, spec=spec, canonical_json=stored.canonical_json)


async def spec(runtime: Runtime, caller: Caller, spec_hash: str) -> StoredSpec:
    return await call(runtime, caller, GET_SPEC, GetSpec(spec_hash=spec_hash))


async def check_spec(runtime: Runtime, caller: Caller, document: ValidateSpec) -> SpecValidation:
    return await call(runtime, caller, VALIDATE_SPEC, document)
