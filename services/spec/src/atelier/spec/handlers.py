"""Use cases of the spec service."""

from sqlalchemy.dialects.postgresql import insert

from atelier.contracts import Envelope
from atelier.contracts.catalog import SPEC_CREATED
from atelier.contracts.spec import DesignSpec, SpecCreated, SpecCreatedReply
from atelier.kit.outbox import UnitOfWork
from atelier.spec import domain
from atelier.spec.models import DesignSpecRow


async def create_spec(
    uow: UnitOfWork, brand_id: str, spec: DesignSpec, cause: Envelope | None = None
) -> SpecCreatedReply:
    """Store the spec once per brand; the same inputs always give the same hash."""
    canonical = domain.canonical_json(spec)
    digest = domain.spec_hash(canonical)
    async with uow:
        inserted = (
            await uow.session.execute(
                insert(DesignSpecRow)
                .values(
                    brand_id=brand_id,
                    spec_hash=digest,
                    spec_version=spec.spec_version,
                    product_id=spec.product_id,
                    template_version=spec.template_version,
                    canonical_json=canonical,
                )
                .on_conflict_do_nothing()
                .returning(DesignSpecRow.spec_hash)
            )
        ).first() is not None
        if inserted:
            uow.emit(
                SPEC_CREATED,
                SpecCreated(
                    spec_hash=digest,
                    product_id=spec.product_id,
                    template_version=spec.template_version,
                ),
                brand_id=brand_id,
                cause=cause,
            )
        await uow.commit()
    return SpecCreatedReply(spec_hash=digest, canonical_json=canonical, created=inserted)
