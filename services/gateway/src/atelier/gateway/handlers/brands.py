"""Brands: created by the platform operator, then read and configured by their admins."""

from atelier.contracts import new_id
from atelier.gateway import domain, repository, schemas
from atelier.gateway.auth import Caller, Keys
from atelier.gateway.domain import KeyKind
from atelier.gateway.models import BrandRow
from atelier.kit.errors import NotFound
from atelier.kit.runtime import Runtime


def _brand_view(row: BrandRow) -> schemas.Brand:
    return schemas.Brand(id=row.id, name=row.name, allowed_origins=row.allowed_origins)


async def create_brand(runtime: Runtime, request: schemas.CreateBrand) -> schemas.BrandCreated:
    publishable, secret = domain.issue_key(KeyKind.PUBLISHABLE), domain.issue_key(KeyKind.SECRET)
    brand_id = new_id()
    async with runtime.uow(brand_id) as uow:  # the operator acts for the new brand only
        brand = await repository.add_brand(uow.session, brand_id, request.name,
                                           request.allowed_origins)
        for key in (publishable, secret):
            await repository.add_key(uow.session, brand.id, key)
        await uow.commit()
    return schemas.BrandCreated(**dict(_brand_view(brand)), publishable_key=publishable.plaintext,
                                secret_key=secret.plaintext)


# --- admin: the brand ------------------------------------------------------------------------


async def brand(runtime: Runtime, caller: Caller) -> schemas.Brand:
    async with runtime.uow() as uow:
        row = await repository.brand(uow.session, caller.brand_id)
        if row is None:  # a key or token of a brand that is gone
            raise NotFound.of("brand", "brand_id")
        return _brand_view(row)


async def set_allowed_origins(
    runtime: Runtime, caller: Caller, keys: Keys, origins: schemas.BrandOrigins
) -> schemas.Brand:
    """Replace the storefront origins the brand's widget may call from."""
    async with runtime.uow() as uow:
        row = await repository.set_allowed_origins(uow.session, caller.brand_id,
                                                   origins.allowed_origins)
        if row is None:
            raise NotFound.of("brand", "brand_id")
        view = _brand_view(row)
        await uow.commit()
    keys.forget_brand(caller.brand_id)
    return view
