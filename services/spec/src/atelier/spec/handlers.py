"""Use cases of the spec service."""

from atelier.contracts import Envelope
from atelier.contracts.canonical import SpecInvalid, canonicalize
from atelier.contracts.catalog import SPEC_CREATED
from atelier.contracts.spec import (
    ANY_SPEC,
    DesignSpec,
    DesignSpecV1,
    SpecCreated,
    SpecCreatedReply,
    SpecValidation,
    StoredSpec,
    ValidateSpec,
)
from atelier.kit.errors import Invalid, NotFound
from atelier.kit.outbox import UnitOfWork
from atelier.spec import domain
from atelier.spec.repository import SpecRepository


async def create_spec(
    uow: UnitOfWork[SpecRepository], brand_id: str, spec: DesignSpecV1 | DesignSpec,
    cause: Envelope | None = None,
) -> SpecCreatedReply:
    """Store the spec once per brand; the same inputs always give the same hash. Runs in the
    unit of work the kit opened for the command, which commits it."""
    try:
        canonical = canonicalize(spec, field="spec")
    except SpecInvalid as exc:
        raise Invalid("The spec has no canonical form.", exc.errors) from exc
    inserted = await uow.repository.add(brand_id, spec, canonical)
    if inserted:
        uow.emit(
            SPEC_CREATED,
            SpecCreated(
                spec_hash=canonical.hash,
                product_id=spec.product_id,
                template_version=spec.template_version,
            ),
            brand_id=brand_id,
            cause=cause,
        )
    return SpecCreatedReply(
        spec_hash=canonical.hash, canonical_json=canonical.json, created=inserted
    )


async def get_spec(
    uow: UnitOfWork[SpecRepository], brand_id: str, spec_hash: str
) -> StoredSpec:
    """A spec of this brand; another brand's hash is as unknown as a made-up one."""
    async with uow:
        canonical = await uow.repository.canonical_json(brand_id, spec_hash)
    if canonical is None:
        raise NotFound.of("spec", "spec_hash")
    return StoredSpec(
        spec_hash=spec_hash, spec=ANY_SPEC.validate_json(canonical),
        canonical_json=canonical,
    )


def validate_spec(command: ValidateSpec) -> SpecValidation:
    return domain.validate_document(command.document, command.spec_hash)
